#include "metrics.h"

#include <algorithm>
#include <cstdio>

namespace ufb::serve {
namespace {

std::vector<double> latency_bounds_seconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::vector<double> powers_of_two(double largest) {
  std::vector<double> bounds;
  for (double bound = 1; bound <= largest; bound *= 2) bounds.push_back(bound);
  return bounds;
}

std::string number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", value);
  return text;
}

std::string with_label(const std::string& labels, const std::string& extra) {
  return "{" + labels + (labels.empty() ? "" : ",") + extra + "}";
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)), counts_(upper_bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  const size_t bucket = static_cast<size_t>(
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin());
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

void Histogram::render(std::string& out, const std::string& name, const std::string& labels) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < counts_.size(); ++i) {
    cumulative += counts_[i];
    const std::string bound = i < upper_bounds_.size() ? number(upper_bounds_[i]) : "+Inf";
    out += name + "_bucket" + with_label(labels, "le=\"" + bound + "\"") + " " + std::to_string(cumulative) + "\n";
  }
  const std::string plain_labels = labels.empty() ? "" : "{" + labels + "}";
  out += name + "_sum" + plain_labels + " " + number(sum_) + "\n";
  out += name + "_count" + plain_labels + " " + std::to_string(count_) + "\n";
}

Metrics::Metrics() : batch_inputs_(powers_of_two(4096)), batch_padded_tokens_(powers_of_two(1 << 20)) {}

void Metrics::record_request(const std::string& route, int status, double seconds) {
  const std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  latency_seconds_.try_emplace(route, latency_bounds_seconds()).first->second.observe(seconds);
}

void Metrics::record_batch(const BatchStats& batch) {
  const std::lock_guard lock(mutex_);
  batch_inputs_.observe(static_cast<double>(batch.inputs));
  batch_padded_tokens_.observe(static_cast<double>(batch.padded_tokens));
}

std::string Metrics::render(size_t queued_inputs, size_t requests_in_flight) const {
  const std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP ufb_requests_total HTTP requests answered, by route and status.\n";
  out += "# TYPE ufb_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += "ufb_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(count) + "\n";
  }
  out += "# HELP ufb_request_duration_seconds Time from routing a request to answering it, by route.\n";
  out += "# TYPE ufb_request_duration_seconds histogram\n";
  for (const auto& [route, histogram] : latency_seconds_) {
    histogram.render(out, "ufb_request_duration_seconds", "route=\"" + route + "\"");
  }
  out += "# HELP ufb_batch_inputs Inputs per model call.\n# TYPE ufb_batch_inputs histogram\n";
  batch_inputs_.render(out, "ufb_batch_inputs", "");
  out += "# HELP ufb_batch_padded_tokens Padded tokens (inputs x longest input) per model call.\n";
  out += "# TYPE ufb_batch_padded_tokens histogram\n";
  batch_padded_tokens_.render(out, "ufb_batch_padded_tokens", "");
  out += "# HELP ufb_queue_inputs Inputs waiting for a model call.\n# TYPE ufb_queue_inputs gauge\n";
  out += "ufb_queue_inputs " + std::to_string(queued_inputs) + "\n";
  out += "# HELP ufb_requests_in_flight Inference requests admitted and not yet answered.\n";
  out += "# TYPE ufb_requests_in_flight gauge\n";
  out += "ufb_requests_in_flight " + std::to_string(requests_in_flight) + "\n";
  return out;
}

}  // namespace ufb::serve

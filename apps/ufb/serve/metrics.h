#pragma once

// What GET /metrics reports, in the Prometheus text format: requests by route and status,
// request latency per route, model-call batch sizes, and the queue depth at scrape time.

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "ufb/dynamic_batcher.h"

namespace ufb::serve {

// A cumulative Prometheus histogram over fixed bucket bounds.
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void observe(double value);
  // `labels` is empty or `key="value"` pairs joined by commas.
  void render(std::string& out, const std::string& name, const std::string& labels) const;

 private:
  std::vector<double> upper_bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last one is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();

  // `route` is a known path, or "other" (unknown paths must not create a series each).
  void record_request(const std::string& route, int status, double seconds);
  void record_batch(const BatchStats& batch);
  std::string render(size_t queued_inputs, size_t requests_in_flight) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_seconds_;
  Histogram batch_inputs_;
  Histogram batch_padded_tokens_;
};

}  // namespace ufb::serve

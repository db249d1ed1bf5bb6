#include "ufb/data/glue_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <string>

#include "ufb/error.h"

namespace ufb::data {
namespace {

template <typename T>
void require_same_length(std::span<const T> a, std::span<const T> b, const char* metric) {
  if (a.size() != b.size() || a.empty()) {
    throw Error(std::string(metric) + " needs two equally long, non-empty series, got " + std::to_string(a.size()) +
                " and " + std::to_string(b.size()) + " values");
  }
}

double mean(std::span<const double> values) {
  return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

}  // namespace

double accuracy(std::span<const int32_t> predictions, std::span<const int32_t> labels) {
  require_same_length(predictions, labels, "accuracy");
  size_t correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) correct += predictions[i] == labels[i];
  return static_cast<double>(correct) / static_cast<double>(labels.size());
}

double f1_score(std::span<const int32_t> predictions, std::span<const int32_t> labels) {
  require_same_length(predictions, labels, "F1");
  double true_positives = 0, false_positives = 0, false_negatives = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    const bool predicted = predictions[i] == 1, actual = labels[i] == 1;
    true_positives += predicted && actual;
    false_positives += predicted && !actual;
    false_negatives += !predicted && actual;
  }
  const double denominator = 2 * true_positives + false_positives + false_negatives;
  return denominator == 0 ? 0.0 : 2 * true_positives / denominator;
}

double matthews_correlation(std::span<const int32_t> predictions, std::span<const int32_t> labels) {
  require_same_length(predictions, labels, "Matthews correlation");
  // Per-class counts of true and predicted labels; the formula needs only these and the trace.
  std::map<int32_t, double> true_counts, predicted_counts;
  double correct = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    ++true_counts[labels[i]];
    ++predicted_counts[predictions[i]];
    correct += predictions[i] == labels[i];
  }
  const double samples = static_cast<double>(labels.size());
  double true_dot_predicted = 0, true_dot_true = 0, predicted_dot_predicted = 0;
  for (const auto& [label, count] : true_counts) {
    true_dot_true += count * count;
    const auto found = predicted_counts.find(label);
    if (found != predicted_counts.end()) true_dot_predicted += count * found->second;
  }
  for (const auto& [label, count] : predicted_counts) predicted_dot_predicted += count * count;
  const double covariance = correct * samples - true_dot_predicted;
  const double true_variance = samples * samples - true_dot_true;
  const double predicted_variance = samples * samples - predicted_dot_predicted;
  if (true_variance * predicted_variance == 0) return 0.0;
  return covariance / std::sqrt(true_variance * predicted_variance);
}

double pearson_correlation(std::span<const double> x, std::span<const double> y) {
  require_same_length(x, y, "Pearson correlation");
  const double mean_x = mean(x), mean_y = mean(y);
  double covariance = 0, variance_x = 0, variance_y = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    covariance += dx * dy;
    variance_x += dx * dx;
    variance_y += dy * dy;
  }
  if (variance_x == 0 || variance_y == 0) return std::numeric_limits<double>::quiet_NaN();
  // Rounding can push |r| a hair past 1 for (anti)proportional series; SciPy clips too.
  return std::clamp(covariance / std::sqrt(variance_x * variance_y), -1.0, 1.0);
}

std::vector<double> average_ranks(std::span<const double> values) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t first = 0; first < order.size();) {
    size_t last = first;
    while (last + 1 < order.size() && values[order[last + 1]] == values[order[first]]) ++last;
    const double rank = (static_cast<double>(first + last) / 2) + 1;  // mean of ranks first+1 .. last+1
    for (size_t i = first; i <= last; ++i) ranks[order[i]] = rank;
    first = last + 1;
  }
  return ranks;
}

double spearman_correlation(std::span<const double> x, std::span<const double> y) {
  require_same_length(x, y, "Spearman correlation");
  const std::vector<double> rank_x = average_ranks(x), rank_y = average_ranks(y);
  return pearson_correlation(rank_x, rank_y);
}

std::vector<MetricValue> classification_metrics(const GlueTask& task, std::span<const int32_t> predictions,
                                                std::span<const int32_t> labels) {
  if (task.is_regression()) throw Error(task.name + " is a regression task: it has no class labels to score");
  std::vector<MetricValue> values;
  for (GlueMetric metric : task.metrics) {
    switch (metric) {
      case GlueMetric::accuracy: values.push_back({metric, accuracy(predictions, labels)}); break;
      case GlueMetric::f1: values.push_back({metric, f1_score(predictions, labels)}); break;
      case GlueMetric::matthews: values.push_back({metric, matthews_correlation(predictions, labels)}); break;
      default: throw Error(task.name + ": metric " + std::string(metric_name(metric)) + " needs scores, not labels");
    }
  }
  return values;
}

std::vector<MetricValue> regression_metrics(const GlueTask& task, std::span<const double> predictions,
                                            std::span<const double> targets) {
  if (!task.is_regression()) throw Error(task.name + " is a classification task: it has no scores to correlate");
  std::vector<MetricValue> values;
  for (GlueMetric metric : task.metrics) {
    switch (metric) {
      case GlueMetric::pearson: values.push_back({metric, pearson_correlation(predictions, targets)}); break;
      case GlueMetric::spearman: values.push_back({metric, spearman_correlation(predictions, targets)}); break;
      default: throw Error(task.name + ": metric " + std::string(metric_name(metric)) + " needs labels, not scores");
    }
  }
  return values;
}

double task_score(std::span<const MetricValue> metrics) {
  double sum = 0;
  for (const MetricValue& metric : metrics) sum += metric.value;
  return metrics.empty() ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(metrics.size());
}

}  // namespace ufb::data

#pragma once

// The metrics GLUE scores its tasks with, computed as scikit-learn and SciPy do (the GLUE
// reference code calls them): accuracy, F1 of class 1, Matthews correlation, Pearson and
// Spearman correlation (ties get their average rank). Predictions and targets must have the same,
// non-zero length (ufb::Error otherwise). Where a metric is undefined (a correlation of a
// constant series) it is NaN; F1 and Matthews follow scikit-learn and give 0 in their
// degenerate cases.

#include <cstdint>
#include <span>
#include <vector>

#include "ufb/data/glue_task.h"

namespace ufb::data {

double accuracy(std::span<const int32_t> predictions, std::span<const int32_t> labels);
// F1 of the positive class 1: 2 TP / (2 TP + FP + FN).
double f1_score(std::span<const int32_t> predictions, std::span<const int32_t> labels);
// Multi-class Matthews correlation coefficient (Gorodkin's R_K, scikit-learn's matthews_corrcoef).
double matthews_correlation(std::span<const int32_t> predictions, std::span<const int32_t> labels);
double pearson_correlation(std::span<const double> x, std::span<const double> y);
double spearman_correlation(std::span<const double> x, std::span<const double> y);
// Ranks from 1, tied values sharing the mean of the ranks they span (SciPy's rankdata "average").
std::vector<double> average_ranks(std::span<const double> values);

struct MetricValue {
  GlueMetric metric;
  double value;
};

// A task's metrics (task.metrics, in order): class indices for classification tasks; for
// regression the predictions' and targets' scores.
std::vector<MetricValue> classification_metrics(const GlueTask& task, std::span<const int32_t> predictions,
                                                std::span<const int32_t> labels);
std::vector<MetricValue> regression_metrics(const GlueTask& task, std::span<const double> predictions,
                                            std::span<const double> targets);

// GLUE's task score: the mean of the task's metrics.
double task_score(std::span<const MetricValue> metrics);

}  // namespace ufb::data

#pragma once

#include <span>

namespace ufb::ops {

// values ← exp(values − max) / Σ exp(values − max), in place, and returns the log-partition
// log Σ exp(values) of the values given (cross-entropy's −log p = it − value). An empty span
// is left as it is. One implementation for both scalar types: float runs the model, double
// checks gradients.
double softmax_inplace(std::span<float> values);
double softmax_inplace(std::span<double> values);

}  // namespace ufb::ops

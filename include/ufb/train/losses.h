#pragma once

// The training objectives: cross-entropy (masked-LM over the predicted positions only, and
// classification) and mean squared error (regression, one label).

#include <cstdint>
#include <span>

namespace ufb::train {

// Mean over rows of −log softmax(logits[r])[labels[r]], logits [rows, classes]. Writes
// dlogits = grad_scale · d(mean)/d(logits). Throws ufb::Error for a label outside [0, classes).
template <class T>
double cross_entropy(std::span<const T> logits, int64_t rows, int64_t classes,
                     std::span<const int32_t> labels, T grad_scale, std::span<T> dlogits);

// Mean over rows of (prediction − target)²; dpredictions = grad_scale · its gradient.
template <class T>
double mean_squared_error(std::span<const T> predictions, std::span<const T> targets,
                          T grad_scale, std::span<T> dpredictions);

}  // namespace ufb::train

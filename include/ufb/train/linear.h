#pragma once

// A linear layer y = x · W^T (+ b) and its gradient, in PyTorch's layout: weight
// [out_features, in_features] row-major, bias [out_features] or empty.

#include <cstdint>
#include <span>

namespace ufb::train {

template <class T>
struct LinearParams {
  int64_t in_features = 0;
  int64_t out_features = 0;
  std::span<const T> weight;
  std::span<const T> bias;  // empty: no bias
};

// Gradients, accumulated (+=). An empty span is not computed.
template <class T>
struct LinearGrads {
  std::span<T> weight;
  std::span<T> bias;
};

enum class Accumulate { no, yes };

// x [rows, in] → y [rows, out]; with Accumulate::yes, y += instead of y =.
template <class T>
void linear_forward(const LinearParams<T>& layer, std::span<const T> x, int64_t rows,
                    std::span<T> y, Accumulate accumulate = Accumulate::no);

// dx [rows, in] += dy · W (skipped when dx is empty); grads.weight += dy^T · x; grads.bias +=
// the column sums of dy.
template <class T>
void linear_backward(const LinearParams<T>& layer, std::span<const T> x, int64_t rows,
                     std::span<const T> dy, std::span<T> dx, const LinearGrads<T>& grads);

}  // namespace ufb::train

#pragma once

// The two feedforward blocks and their gradients: FFF with hard routing (MODEL.md §1, gradients
// only through the visited nodes) and the dense GELU feedforward (no biases, as crammedBERT).

#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "ufb/ops/fff.h"
#include "ufb/ops/gelu.h"

namespace ufb::train {

// d GELU(x) / dx = Φ(x) + x·φ(x) for the exact erf form.
template <class T>
T gelu_derivative(T x) {
  const T cdf = T{0.5} * (T{1} + std::erf(x * T{0.70710678118654752}));
  const T pdf = std::exp(T{-0.5} * x * x) * T{0.39894228040143268};
  return cdf + x * pdf;
}

// An FFF layer's parameters. w_out_rows holds W_out transposed, [neurons, hidden], so that a
// visited node's output weights are one contiguous row; the checkpoint's [hidden, neurons]
// layout is restored when saving.
template <class T>
struct FffParams {
  ops::FffShape shape;
  std::span<const T> w_in;        // [neurons, hidden]
  std::span<const T> b_in;        // [neurons]
  std::span<const T> w_out_rows;  // [neurons, hidden]
};

template <class T>
struct FffGrads {
  std::span<T> w_in;
  std::span<T> b_in;
  std::span<T> w_out_rows;
};

// The path of every token through every tree: [rows, trees, levels] global neuron indices and
// their logits.
template <class T>
struct FffCache {
  std::vector<int32_t> neurons;
  std::vector<T> logits;
};

// x [rows, hidden] → y [rows, hidden] (overwritten).
template <class T>
void fff_forward(const FffParams<T>& params, std::span<const T> x, int64_t rows, std::span<T> y,
                 FffCache<T>& cache);

// dx += the gradient through the visited nodes; grads += theirs, for visited nodes only.
template <class T>
void fff_backward(const FffParams<T>& params, std::span<const T> x, int64_t rows,
                  const FffCache<T>& cache, std::span<const T> dy, std::span<T> dx,
                  const FffGrads<T>& grads);

template <class T>
struct DenseFfParams {
  int64_t hidden = 0;
  int64_t width = 0;
  std::span<const T> w_in;   // [width, hidden]
  std::span<const T> w_out;  // [hidden, width]
};

template <class T>
struct DenseFfGrads {
  std::span<T> w_in;
  std::span<T> w_out;
};

template <class T>
struct DenseFfCache {
  std::vector<T> pre_activation;  // [rows, width]
  std::vector<T> activation;      // GELU of it
};

template <class T>
void dense_ff_forward(const DenseFfParams<T>& params, std::span<const T> x, int64_t rows,
                      std::span<T> y, DenseFfCache<T>& cache);

template <class T>
void dense_ff_backward(const DenseFfParams<T>& params, std::span<const T> x, int64_t rows,
                       const DenseFfCache<T>& cache, std::span<const T> dy, std::span<T> dx,
                       const DenseFfGrads<T>& grads);

}  // namespace ufb::train

#pragma once

// The two feedforward blocks as training runs them: FFF with hard routing (docs/model.md §1; its
// backward pass is ops::fff_backward) and the dense feedforward (crammedBERT's: GELU, no biases;
// BERT's: biases and its hidden_act) with its gradient.

#include <cstdint>
#include <span>
#include <vector>

#include "ufb/ops/activation.h"
#include "ufb/ops/fff.h"

namespace ufb::train {

// x [rows, hidden] → y [rows, hidden] (overwritten), keeping every token's path for the backward
// pass (ops::fff_backward).
void fff_forward(const ops::FffRowWeights<float>& weights, std::span<const float> x, int64_t rows,
                 std::span<float> y, ops::FffPaths<float>& paths);
void fff_forward(const ops::FffRowWeights<double>& weights, std::span<const double> x,
                 int64_t rows, std::span<double> y, ops::FffPaths<double>& paths);

template <class T>
struct DenseFfParams {
  int64_t hidden = 0;
  int64_t width = 0;
  std::span<const T> w_in;   // [width, hidden]
  std::span<const T> w_out;  // [hidden, width]
  std::span<const T> b_in;   // [width], empty: none
  std::span<const T> b_out;  // [hidden], empty: none
  ops::Activation activation = ops::Activation::gelu_erf;
};

template <class T>
struct DenseFfGrads {
  std::span<T> w_in;
  std::span<T> w_out;
  std::span<T> b_in;   // empty where the layer has no bias
  std::span<T> b_out;
};

template <class T>
struct DenseFfCache {
  std::vector<T> pre_activation;  // [rows, width]
  std::vector<T> activation;      // the activation of it
};

template <class T>
void dense_ff_forward(const DenseFfParams<T>& params, std::span<const T> x, int64_t rows,
                      std::span<T> y, DenseFfCache<T>& cache);

template <class T>
void dense_ff_backward(const DenseFfParams<T>& params, std::span<const T> x, int64_t rows,
                       const DenseFfCache<T>& cache, std::span<const T> dy, std::span<T> dx,
                       const DenseFfGrads<T>& grads);

}  // namespace ufb::train

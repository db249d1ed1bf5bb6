#pragma once

// LayerNorm over the last dimension with the biased variance (MODEL.md §2.2) and its gradient.

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::train {

// Per-row statistics the backward pass needs.
struct LayerNormStats {
  std::vector<double> mean;
  std::vector<double> inverse_std;
};

// y [rows, width] = (x − mean) / sqrt(var + eps) · weight + bias, computed as the inference
// engine does (double statistics). `stats` is filled for layer_norm_backward.
template <class T>
void layer_norm_forward(std::span<const T> x, int64_t rows, std::span<const T> weight,
                        std::span<const T> bias, double eps, std::span<T> y, LayerNormStats& stats);

// dx += the gradient through the normalisation; dweight and dbias += theirs.
template <class T>
void layer_norm_backward(std::span<const T> x, int64_t rows, std::span<const T> weight,
                         const LayerNormStats& stats, std::span<const T> dy, std::span<T> dx,
                         std::span<T> dweight, std::span<T> dbias);

}  // namespace ufb::train

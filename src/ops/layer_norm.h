#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::ops {

// Per-row statistics of a LayerNorm's forward pass: what its backward pass needs.
struct LayerNormStats {
  std::vector<double> mean;
  std::vector<double> inverse_std;  // 1 / sqrt(biased variance + eps)
};

// LayerNorm over the last dimension with the biased variance (docs/model.md §2.2):
// y = (x − mean) / sqrt(var + eps) · weight + bias, for each row of x [rows, width].
// `x` and `y` may be the same span. With `stats`, each row's mean and 1/std are kept, as used.
// One implementation for both scalar types: float runs the model, double checks gradients.
// Throws ufb::Error on a size mismatch.
void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                std::span<const float> bias, double eps, std::span<float> y,
                LayerNormStats* stats = nullptr);
void layer_norm(std::span<const double> x, int64_t rows, std::span<const double> weight,
                std::span<const double> bias, double eps, std::span<double> y,
                LayerNormStats* stats = nullptr);

// The gradient through layer_norm of input x with the statistics its forward pass kept:
// dx += dL/dx; dweight and dbias += theirs.
void layer_norm_backward(std::span<const float> x, int64_t rows, std::span<const float> weight,
                         const LayerNormStats& stats, std::span<const float> dy,
                         std::span<float> dx, std::span<float> dweight, std::span<float> dbias);
void layer_norm_backward(std::span<const double> x, int64_t rows, std::span<const double> weight,
                         const LayerNormStats& stats, std::span<const double> dy,
                         std::span<double> dx, std::span<double> dweight, std::span<double> dbias);

}  // namespace ufb::ops

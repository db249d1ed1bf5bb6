#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace ufb::ops {

struct RowStatistics {
  double mean = 0;
  double inverse_std = 0;  // 1 / sqrt(biased variance + eps)
};

// A LayerNorm row's statistics in two passes over double sums, exact to float rounding at any
// width. Shared with the training LayerNorm, which must normalise exactly as inference does.
template <class T>
RowStatistics row_statistics(const T* row, int64_t width, double eps) {
  double sum = 0.0;
  for (int64_t c = 0; c < width; ++c) sum += row[c];
  const double mean = sum / static_cast<double>(width);
  double squares = 0.0;
  for (int64_t c = 0; c < width; ++c) squares += (row[c] - mean) * (row[c] - mean);
  return {mean, 1.0 / std::sqrt(squares / static_cast<double>(width) + eps)};
}

// LayerNorm over the last dimension with the biased variance (MODEL.md §2.2):
// y = (x − mean) / sqrt(var + eps) · weight + bias, for each row of x [rows, width].
// `x` and `y` may be the same span. Throws ufb::Error on a size mismatch.
void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                std::span<const float> bias, double eps, std::span<float> y);

}  // namespace ufb::ops

#include "ufb/ops/layer_norm.h"

#include <cmath>
#include <string>

#include "ufb/error.h"

namespace ufb::ops {

void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                std::span<const float> bias, double eps, std::span<float> y) {
  const int64_t width = static_cast<int64_t>(weight.size());
  if (rows < 0 || width < 1 || static_cast<int64_t>(bias.size()) != width ||
      static_cast<int64_t>(x.size()) != rows * width || y.size() != x.size()) {
    throw Error("LayerNorm: " + std::to_string(x.size()) + " inputs, " +
                std::to_string(y.size()) + " outputs, weight " + std::to_string(weight.size()) +
                " and bias " + std::to_string(bias.size()) + " do not fit " +
                std::to_string(rows) + " rows");
  }
  // Double sums keep the two-pass statistics exact to float rounding at any width.
#pragma omp parallel for schedule(static) if (rows * width > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x.data() + r * width;
    float* out = y.data() + r * width;
    double sum = 0.0;
    for (int64_t c = 0; c < width; ++c) sum += in[c];
    const double mean = sum / static_cast<double>(width);
    double squares = 0.0;
    for (int64_t c = 0; c < width; ++c) squares += (in[c] - mean) * (in[c] - mean);
    const double inverse_std = 1.0 / std::sqrt(squares / static_cast<double>(width) + eps);
    for (int64_t c = 0; c < width; ++c) {
      out[c] = static_cast<float>((in[c] - mean) * inverse_std) * weight[c] + bias[c];
    }
  }
}

}  // namespace ufb::ops

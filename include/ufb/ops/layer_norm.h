#pragma once

#include <cstdint>
#include <span>

namespace ufb::ops {

// LayerNorm over the last dimension with the biased variance (MODEL.md §2.2):
// y = (x − mean) / sqrt(var + eps) · weight + bias, for each row of x [rows, width].
// `x` and `y` may be the same span. Throws ufb::Error on a size mismatch.
void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                std::span<const float> bias, double eps, std::span<float> y);

}  // namespace ufb::ops

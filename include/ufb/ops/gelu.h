#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace ufb::ops {

// GELU with the exact erf form 0.5·x·(1 + erf(x/√2)), never the tanh approximation.
inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
inline double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x * 0.70710678118654752)); }

// Vectorised GELU over many values (SIMD erf with |error| ≤ 2e-7), for the dense baselines.
// For each row r of `values` ([rows, cols] row-major): values[r, c] = GELU(values[r, c] + bias[c]);
// an empty `bias` adds nothing.
void bias_gelu_inplace(std::span<float> values, int64_t rows, int64_t cols,
                       std::span<const float> bias);

}  // namespace ufb::ops

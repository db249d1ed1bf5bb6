#pragma once

#include <cmath>
#include <cstdint>
#include <span>

namespace ufb::ops {

// GELU with the exact erf form 0.5·x·(1 + erf(x/√2)), never the tanh approximation.
inline float gelu(float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
inline double gelu(double x) { return 0.5 * x * (1.0 + std::erf(x * 0.70710678118654752)); }

// d GELU(x) / dx = Φ(x) + x·φ(x) for the exact erf form.
template <class T>
T gelu_derivative(T x) {
  const T cdf = T{0.5} * (T{1} + std::erf(x * T{0.70710678118654752}));
  const T pdf = std::exp(T{-0.5} * x * x) * T{0.39894228040143268};
  return cdf + x * pdf;
}

// Vectorised GELU over many values (SIMD erf with |error| ≤ 2e-7), for the dense baselines.
// For each row r of `values` ([rows, cols] row-major): values[r, c] = GELU(values[r, c] + bias[c]);
// an empty `bias` adds nothing.
void bias_gelu_inplace(std::span<float> values, int64_t rows, int64_t cols,
                       std::span<const float> bias);

}  // namespace ufb::ops

#pragma once

// Finite-difference gradient checks in float64 (as ggml's test-grad0 does): every analytic
// gradient is compared with central differences of a scalar loss.

#include <cstdint>
#include <functional>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace ufb::testing {

std::vector<double> random_values(int64_t count, std::mt19937& rng, double scale = 1.0);

// Σ weights ⊙ values: the scalar loss whose gradient w.r.t. values is `weights`.
double weighted_sum(std::span<const double> values, std::span<const double> weights);

// d loss / d values[i] by central differences, for every i (values are restored).
std::vector<double> numeric_gradient(std::vector<double>& values,
                                     const std::function<double()>& loss, double step = 1e-6);

// Expects max |analytic − numeric| ≤ tolerance · max(1, max |numeric|), labelled.
void expect_gradient_close(const std::string& label, std::span<const double> analytic,
                           std::span<const double> numeric, double tolerance = 1e-6);

}  // namespace ufb::testing

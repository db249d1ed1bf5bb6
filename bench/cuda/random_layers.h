#pragma once

// Random FFF and dense FF layers and inputs for checking kernels against the reference, shared
// by the CUDA tests and the CUDA benchmark.

#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::bench {

struct FffLayer {
  ops::FffShape shape;
  std::vector<float> w_in, b_in, w_out;
  ops::FffWeights view() const { return {shape, w_in, b_in, w_out}; }
};

struct DenseLayer {
  ops::DenseFfShape shape;
  std::vector<float> w_in, b_in, w_out, b_out;  // biases empty when not wanted
  ops::DenseFfWeights view() const { return {shape, w_in, b_in, w_out, b_out}; }
};

// Weights scaled so logits and outputs are O(1) for O(1) inputs.
FffLayer random_fff_layer(const ops::FffShape& shape, std::mt19937& rng);
DenseLayer random_dense_layer(const ops::DenseFfShape& shape, bool biases, std::mt19937& rng);

// The same layer with W_in and W_out rounded to bf16 (biases stay float32, as the kernels keep
// them): the reference a bf16-weight kernel must match.
FffLayer rounded_to_bf16(const FffLayer& layer);
DenseLayer rounded_to_bf16(const DenseLayer& layer);

std::vector<float> random_values(int64_t count, std::mt19937& rng);  // standard normal

// `batch` standard-normal tokens; the first `checked` of them are redrawn until no logit on
// their reference path (in any tree) is within `margin` of 0, so that any correct kernel must
// route them exactly as the reference does.
std::vector<float> random_fff_inputs(const ops::FffWeights& weights, int64_t batch, int64_t checked, float margin,
                                     std::mt19937& rng);

// max |actual − expected| over max |expected| (the output's scale).
double relative_max_error(std::span<const float> actual, std::span<const float> expected);

}  // namespace ufb::bench

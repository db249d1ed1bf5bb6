#pragma once

// Random layers and tokens with the scale of trained ones, owning their parameters, for
// benchmarks and tests. FFF logits come out ~N(0, 1), so tokens spread over the whole tree.

#include <cstdint>
#include <random>
#include <vector>

#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::ops {

struct FffLayer {
  FffShape shape;
  std::vector<float> w_in, b_in, w_out;

  FffWeights view() const { return {shape, w_in, b_in, w_out}; }
};

struct DenseFfLayer {
  DenseFfShape shape;
  std::vector<float> w_in, b_in, w_out, b_out;

  DenseFfWeights view() const { return {shape, w_in, b_in, w_out, b_out}; }
};

FffLayer random_fff_layer(FffShape shape, std::mt19937& rng);
DenseFfLayer random_dense_ff_layer(DenseFfShape shape, bool with_biases, std::mt19937& rng);

// [batch, hidden] values drawn from N(0, 1).
std::vector<float> random_tokens(int64_t batch, int64_t hidden, std::mt19937& rng);

// Tokens like random_tokens(), except that the first `checked` of them (all when negative) are
// redrawn until no logit on their reference paths lies within `margin` of 0: float rounding in a
// correct variant then cannot change a branch, so routing must equal the reference's exactly.
std::vector<float> tokens_with_routing_margin(const FffWeights& weights, int64_t batch, float margin,
                                              std::mt19937& rng, int64_t checked = -1);

// The same layer with W_in and W_out rounded to bf16 (biases stay float32, as kernels keep
// them): the reference that a kernel storing bf16 weights must match.
FffLayer rounded_to_bf16(const FffLayer& layer);
DenseFfLayer rounded_to_bf16(const DenseFfLayer& layer);

}  // namespace ufb::ops

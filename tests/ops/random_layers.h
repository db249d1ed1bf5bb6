#pragma once

// Random FFF and dense layers, and token batches, for the kernel tests.

#include <cstdint>
#include <random>
#include <vector>

#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::testing {

// Owns the parameters that an ops::FffWeights views.
struct FffLayer {
  ops::FffShape shape;
  std::vector<float> w_in, b_in, w_out;

  ops::FffWeights view() const { return {shape, w_in, b_in, w_out}; }
};

struct DenseFfLayer {
  ops::DenseFfShape shape;
  std::vector<float> w_in, b_in, w_out, b_out;

  ops::DenseFfWeights view() const { return {shape, w_in, b_in, w_out, b_out}; }
};

// Logits are ~N(0, 1), so tokens spread over the whole tree.
FffLayer random_fff_layer(ops::FffShape shape, std::mt19937& rng);

DenseFfLayer random_dense_ff_layer(ops::DenseFfShape shape, bool with_biases, std::mt19937& rng);

std::vector<float> random_tokens(int64_t batch, int64_t hidden, std::mt19937& rng);

// Tokens none of whose visited logits lies within `margin` of 0, so that float rounding in any
// correct variant cannot change a branch: each token is redrawn until its paths qualify.
std::vector<float> tokens_with_routing_margin(const ops::FffWeights& weights, int64_t batch,
                                              float margin, std::mt19937& rng);

// max |a - b| / max(max |b|, 1e-30): the error relative to the reference's output scale.
double relative_error(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace ufb::testing

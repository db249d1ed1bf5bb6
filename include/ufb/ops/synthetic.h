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

}  // namespace ufb::ops

#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "ufb/ops/fff.h"

namespace ufb::testing {

// Tokens none of whose visited logits lies within `margin` of 0, so that float rounding in any
// correct variant cannot change a branch: each token is redrawn until its paths qualify.
std::vector<float> tokens_with_routing_margin(const ops::FffWeights& weights, int64_t batch,
                                              float margin, std::mt19937& rng);

// max |a - b| / max |b|: the error relative to the reference's output scale.
double relative_error(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace ufb::testing

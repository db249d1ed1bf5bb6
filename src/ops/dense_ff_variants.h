#pragma once

// Factories of the dense feedforward variants; only src/ops/dense_ff.cc calls them.

#include <memory>

#include "ufb/ops/dense_ff.h"

namespace ufb::ops {

std::unique_ptr<DenseFfKernel> make_reference_dense_ff(const DenseFfWeights& weights);
std::unique_ptr<DenseFfKernel> make_onednn_dense_ff(const DenseFfWeights& weights, WeightType precision);

}  // namespace ufb::ops

#pragma once

// Factories of the FFF variants, one file each; only src/ops/fff.cc calls them.

#include <memory>

#include "ufb/ops/fff.h"

namespace ufb::ops {

std::unique_ptr<FffKernel> make_reference_fff(const FffWeights& weights);
std::unique_ptr<FffKernel> make_int8_reference_fff(const FffWeights& weights);
std::unique_ptr<FffKernel> make_native_fff(const FffWeights& weights, WeightType weight_type);

}  // namespace ufb::ops

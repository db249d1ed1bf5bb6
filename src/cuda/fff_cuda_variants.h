#pragma once

// The factory of the library's CUDA FFF kernel; only src/cuda/fff_cuda.cc calls it, with
// validated weights.

#include <memory>

#include "ufb/ops/cuda/fff_cuda.h"

namespace ufb::ops {

std::unique_ptr<FffCudaKernel> make_native_fff_cuda(const FffWeights& weights, WeightType weight_type,
                                                    const FffCudaOptions& options);

}  // namespace ufb::ops

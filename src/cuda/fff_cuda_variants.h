#pragma once

// Factories of the CUDA FFF variants, one file each; only src/cuda/fff_cuda.cc calls them.
// Each is called with validated weights.

#include <memory>

#include "ufb/ops/cuda/fff_cuda.h"

namespace ufb::ops {

std::unique_ptr<FffCudaKernel> make_naive_fff_cuda(const FffWeights& weights, WeightType weight_type);
std::unique_ptr<FffCudaKernel> make_bmm_fff_cuda(const FffWeights& weights, WeightType weight_type);
std::unique_ptr<FffCudaKernel> make_native_fff_cuda(const FffWeights& weights, WeightType weight_type,
                                                    const FffCudaOptions& options);

}  // namespace ufb::ops

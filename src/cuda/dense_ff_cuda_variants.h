#pragma once

// Factories of the CUDA dense FF variants; only src/cuda/dense_ff_cuda.cc calls them, with
// validated weights and a supported weight type.

#include <memory>

#include "ufb/ops/cuda/dense_ff_cuda.h"

namespace ufb::ops {

std::unique_ptr<DenseFfCudaKernel> make_cublas_dense_ff_cuda(const DenseFfWeights& weights);
std::unique_ptr<DenseFfCudaKernel> make_cublaslt_dense_ff_cuda(DenseFfCudaImpl impl, const DenseFfWeights& weights);

}  // namespace ufb::ops

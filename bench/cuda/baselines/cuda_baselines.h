#pragma once

// The benchmark-only CUDA forms `ufb bench kernels --device cuda` times next to the library's
// kernels: the paper's naive kernels (one thread block per token) and the gather + batched
// matmul form of PyTorch code. No model runs them. Each is called with validated weights and a
// weight type it takes (f32 or bf16).

#include <memory>

#include "ufb/ops/cuda/dense_ff_cuda.h"
#include "ufb/ops/cuda/fff_cuda.h"

namespace ufb::bench {

std::unique_ptr<ops::FffCudaKernel> make_naive_fff_cuda(const ops::FffWeights& weights, ops::WeightType weight_type);
std::unique_ptr<ops::FffCudaKernel> make_bmm_fff_cuda(const ops::FffWeights& weights, ops::WeightType weight_type);
std::unique_ptr<ops::DenseFfCudaKernel> make_naive_dense_ff_cuda(const ops::DenseFfWeights& weights,
                                                                 ops::WeightType weight_type);

}  // namespace ufb::bench

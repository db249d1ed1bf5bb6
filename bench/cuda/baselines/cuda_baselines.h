#pragma once

// The benchmark-only CUDA forms `ufb bench kernels --device cuda` times next to the library's
// kernels: the paper's naive kernels (one thread block per token), the gather + batched matmul
// form of PyTorch code and the dense feedforward on cuBLASLt's tensor-core matmuls. No model
// runs them. Each is called with validated weights (W_out as [hidden, neurons]) and a weight
// type it takes (f32 or bf16), on a GPU that exists.

#include <memory>

#include "ufb/device.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::bench {

std::unique_ptr<ops::FffKernel> make_naive_fff_cuda(const ops::FffWeights& weights, ops::WeightType weight_type,
                                                    const Device& device);
std::unique_ptr<ops::FffKernel> make_bmm_fff_cuda(const ops::FffWeights& weights, ops::WeightType weight_type,
                                                  const Device& device);
std::unique_ptr<ops::DenseFfKernel> make_naive_dense_ff_cuda(const ops::DenseFfWeights& weights,
                                                             ops::WeightType weight_type, const Device& device);
// cuBLASLt matmuls with TF32 tensor cores (f32 weights) or bf16 ones (bf16 weights), the exact
// GELU between them.
std::unique_ptr<ops::DenseFfKernel> make_cublaslt_dense_ff_cuda(const ops::DenseFfWeights& weights,
                                                                ops::WeightType weight_type, const Device& device);

}  // namespace ufb::bench

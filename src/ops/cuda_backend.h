#pragma once

// What the library calls of the CUDA backend (src/cuda/) when a kernel is made for a GPU: the
// backend's definitions in a build with -DUFB_CUDA=ON, else src/no_cuda_backend.cc's, which
// throw ufb::Error saying that the build has no CUDA backend.

#include <cstdint>
#include <memory>
#include <span>

#include "ufb/device.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/weight_type.h"
#include "ops/device_ops.h"
#include "ops/linear.h"
#include "ops/row_bias.h"

namespace ufb::ops {

// Tuning of the CUDA native FFF kernel.
struct CudaFffOptions {
  // Batches up to this many tokens take the small-batch path: one thread block per token that
  // computes the logits of a whole 4-level subtree at once and then picks the path through it,
  // so a token waits for 3 rounds of loads at depth 11 instead of 12 (docs/cuda.md). Larger
  // batches run one warp per token. 0 turns the small-batch path off, a huge value forces it.
  int64_t block_per_token_max_batch = 16;
};

// FffImpl::native on `device`; validated weights, f32 or bf16.
std::unique_ptr<FffKernel> make_cuda_fff(const FffWeights& weights, WeightType weight_type, const Device& device,
                                         const CudaFffOptions& options = {});

// DenseFfImpl::cublas on `device`; validated weights.
std::unique_ptr<DenseFfKernel> make_cuda_dense_ff(const DenseFfWeights& weights, WeightType precision,
                                                  const Device& device);

// PreparedLinear on `device`; validated weights.
std::unique_ptr<PreparedLinear> make_cuda_linear(const LinearWeights<float>& weights, LinearOutput output,
                                                 WeightType precision, const Device& device);

// DeviceOps of `device` (make_device_ops's checks for a GPU).
std::unique_ptr<DeviceOps> make_cuda_device_ops(const Device& device, WeightType precision,
                                                const AttentionShape& attention);

// RowBias on `device`.
std::unique_ptr<RowBias> make_cuda_row_bias(std::span<const float> row, const Device& device);

}  // namespace ufb::ops

#pragma once

// FFF layers on a CUDA GPU (built with -DUFB_CUDA=ON; see docs/cuda.md). Same semantics as
// ufb/ops/fff.h (docs/model.md §1), and every variant is tested against FffImpl::reference.
//
// Unlike the CPU kernels, a CUDA kernel copies the weights to the device when it is made (in
// its own layout and weight type), so the host arrays need not outlive it. Activations and
// accumulation are float32; bf16 weights are widened to float32 as they are read.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "ufb/ops/fff.h"
#include "ufb/ops/weight_type.h"

struct CUstream_st;  // cudaStream_t is CUstream_st*; this header needs no CUDA headers

namespace ufb::ops {

// The benchmark's baselines (the paper's naive kernel, PyTorch's gather + bmm form) are not the
// library's: bench/cuda/baselines/.
enum class FffCudaImpl {
  native,  // ours: one warp per token, input and output kept in registers across all levels,
           // W_in row and W_out column of a node adjacent in memory, one launch per layer
};

std::string_view to_string(FffCudaImpl impl);  // "cuda_native"

class FffCudaKernel {
 public:
  FffCudaKernel(const FffShape& shape, WeightType weight_type);
  virtual ~FffCudaKernel() = default;
  FffCudaKernel(const FffCudaKernel&) = delete;
  FffCudaKernel& operator=(const FffCudaKernel&) = delete;

  // Host arrays, as FffKernel::forward: copies x to the device, runs, copies y (and leaves)
  // back and waits. Convenient for tests and one-off calls; it allocates device memory per call.
  void forward(std::span<const float> x, int64_t batch, std::span<float> y,
               std::span<int32_t> leaves = {}) const;

  // Device arrays on the current device: x [batch, hidden], y [batch, hidden] (overwritten),
  // leaves [batch, trees] or nullptr. Queued on `stream` (nullptr: the default stream) and
  // returns without waiting. A kernel keeps scratch memory between calls, so one kernel object
  // must not run on two streams (or two host threads) at once.
  void forward_device(const float* x, int64_t batch, float* y, int32_t* leaves = nullptr,
                      CUstream_st* stream = nullptr) const;

  const FffShape& shape() const { return shape_; }
  WeightType weight_type() const { return weight_type_; }

 protected:
  // Called with a batch >= 1 and non-null x and y.
  virtual void run(const float* x, int64_t batch, float* y, int32_t* leaves,
                   CUstream_st* stream) const = 0;

 private:
  FffShape shape_;
  WeightType weight_type_;
};

// Tuning of cuda_native; the other variants ignore it.
struct FffCudaOptions {
  // Batches up to this many tokens take the small-batch path: one thread block per token that
  // computes the logits of a whole 4-level subtree at once and then picks the path through it,
  // so a token waits for 3 rounds of loads at depth 11 instead of 12 (docs/cuda.md). Larger
  // batches run one warp per token. 0 turns the small-batch path off, a huge value forces it.
  int64_t native_block_per_token_max_batch = 16;
};

// Validates the weights (ufb::Error naming the mismatch) and uploads them; throws ufb::Error
// when no CUDA device is usable.
std::unique_ptr<FffCudaKernel> make_fff_cuda_kernel(FffCudaImpl impl, const FffWeights& weights,
                                                    WeightType weight_type = WeightType::f32,
                                                    const FffCudaOptions& options = {});

}  // namespace ufb::ops

#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "ufb/ops/activation.h"
#include "ufb/device.h"
#include "ufb/ops/weight_type.h"

namespace ufb::ops {

// Dense feedforward y = act(x · W_in^T + b_in) · W_out^T + b_out, `width` neurons; act is the
// exact GELU unless the weights name another (reference and onednn only).
struct DenseFfShape {
  int64_t hidden = 0;
  int64_t width = 0;
};

// Non-owning views (row-major): w_in [width, hidden], w_out [hidden, width]; b_in [width] and
// b_out [hidden] may be empty (crammedBERT has no biases there).
struct DenseFfWeights {
  DenseFfShape shape;
  std::span<const float> w_in;
  std::span<const float> b_in;
  std::span<const float> w_out;
  std::span<const float> b_out;
  Activation activation = Activation::gelu_erf;
};

void validate(const DenseFfWeights& weights);  // throws ufb::Error naming the mismatch

// The benchmark's baselines (BLAS, cuBLASLt, the naive GPU kernel) are not the library's:
// bench/baselines/, bench/cuda/baselines/.
enum class DenseFfImpl {
  reference,  // CPU, plain loops: the oracle
  onednn,     // CPU, oneDNN matmul with prepacked weights and a fused bias + activation post-op
  cublas,     // CUDA, two cuBLAS matmuls (f32 without TF32, or bf16 with f32 sums) around an
              // activation kernel
};

std::string_view to_string(DenseFfImpl impl);
DenseFfImpl parse_dense_ff_impl(std::string_view name);  // throws ufb::Error
// The implementations that run on `device`'s kind.
std::span<const DenseFfImpl> all_dense_ff_impls(const Device& device = {});

// A dense feedforward layer ready to run on one device. CPU kernels keep views of the weights
// (the caller keeps those alive); a GPU kernel copies them to its device when it is made.
class DenseFfKernel {
 public:
  // A CPU kernel over views of `weights` (for implementations: the class is abstract).
  explicit DenseFfKernel(const DenseFfWeights& weights);
  virtual ~DenseFfKernel() = default;
  DenseFfKernel(const DenseFfKernel&) = delete;
  DenseFfKernel& operator=(const DenseFfKernel&) = delete;

  // x [batch, hidden] in, y [batch, hidden] out (overwritten), in the memory of device() (for
  // CUDA: queued on the default stream, returns without waiting); throws ufb::Error on bad
  // sizes. One call at a time per kernel object.
  void forward(std::span<const float> x, int64_t batch, std::span<float> y) const;
  // Bytes of weights the kernel holds in a layout of its own (0 where it reads the views).
  virtual int64_t held_bytes() const { return 0; }

  const DenseFfShape& shape() const { return weights_.shape; }
  const Device& device() const { return device_; }

 protected:
  // A kernel on `device` that holds its own copy of the weights.
  DenseFfKernel(const DenseFfShape& shape, const Device& device);

  // The views a CPU kernel was made from.
  const DenseFfWeights& weights() const { return weights_; }
  // Called with checked sizes and batch >= 1.
  virtual void run(const float* x, int64_t batch, float* y) const = 0;

 private:
  DenseFfWeights weights_;  // only the shape, for a kernel that holds its own copy
  Device device_;
};

// A kernel of `impl` on `device`. `precision` other than f32 is available in onednn (bf16,
// int8) and cublas (bf16). Throws ufb::Error for invalid weights, a precision or device the
// implementation lacks, or a GPU this build or machine does not have.
std::unique_ptr<DenseFfKernel> make_dense_ff_kernel(DenseFfImpl impl,
                                                    const DenseFfWeights& weights,
                                                    WeightType precision = WeightType::f32,
                                                    const Device& device = {});

}  // namespace ufb::ops

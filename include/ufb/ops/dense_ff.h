#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "ufb/ops/activation.h"
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

// The benchmark's BLAS baselines are not the library's: bench/baselines/.
enum class DenseFfImpl {
  reference,  // plain loops: the oracle
  onednn,     // oneDNN matmul with prepacked weights and a fused bias + GELU(erf) post-op
};

std::string_view to_string(DenseFfImpl impl);
DenseFfImpl parse_dense_ff_impl(std::string_view name);  // throws ufb::Error
std::span<const DenseFfImpl> all_dense_ff_impls();

class DenseFfKernel {
 public:
  explicit DenseFfKernel(const DenseFfWeights& weights);
  virtual ~DenseFfKernel() = default;
  DenseFfKernel(const DenseFfKernel&) = delete;
  DenseFfKernel& operator=(const DenseFfKernel&) = delete;

  // x [batch, hidden] in, y [batch, hidden] out (overwritten); throws ufb::Error on bad sizes.
  void forward(std::span<const float> x, int64_t batch, std::span<float> y) const;
  // Bytes of weights the kernel holds in a layout of its own (0 where it reads the views).
  virtual int64_t held_bytes() const { return 0; }

  const DenseFfShape& shape() const { return weights_.shape; }

 protected:
  const DenseFfWeights& weights() const { return weights_; }
  virtual void run(const float* x, int64_t batch, float* y) const = 0;

 private:
  DenseFfWeights weights_;
};

// `precision` other than f32 is available in onednn only (throws ufb::Error otherwise).
std::unique_ptr<DenseFfKernel> make_dense_ff_kernel(DenseFfImpl impl,
                                                    const DenseFfWeights& weights,
                                                    WeightType precision = WeightType::f32);

}  // namespace ufb::ops

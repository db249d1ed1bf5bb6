// DenseFfImpl::cublas: the dense feedforward as the encoder's two linear layers (cuda/linear.h:
// cuBLAS matmuls, f32 without TF32 or bf16 with f32 sums) around an activation kernel, so it
// computes every activation the CPU does (erf and tanh GELU, ReLU), at the precision of the
// encoder's projections.
#include <memory>
#include <string>

#include "cuda/cublas_handles.h"
#include "cuda/cuda_check.h"
#include "cuda/elementwise.h"
#include "cuda/linear.h"
#include "ops/cuda_backend.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

class CublasDenseFf final : public DenseFfKernel {
 public:
  CublasDenseFf(const DenseFfWeights& weights, WeightType precision, const Device& device)
      : DenseFfKernel(weights.shape, device),
        activation_(weights.activation),
        in_({weights.shape.hidden, weights.shape.width, weights.w_in, weights.b_in}, precision),
        out_({weights.shape.width, weights.shape.hidden, weights.w_out, weights.b_out}, precision) {}

  int64_t held_bytes() const override { return in_.held_bytes() + out_.held_bytes(); }

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    cuda::make_current(device().index);
    const cudaStream_t stream = cuda::current_stream();
    UFB_CUDA_CHECK(cublasSetStream(cublas_.get(), stream));
    const int64_t width = shape().width;
    activations_.reserve(batch * width);
    in_.forward(cublas_.get(), x, batch, activations_.data(), LinearOutput::overwrite, bf16_input_);
    activate_inplace(activations_.data(), batch * width, activation_, stream);
    out_.forward(cublas_.get(), activations_.data(), batch, y, LinearOutput::overwrite, bf16_input_);
  }

  Activation activation_;
  cuda::Linear in_;
  cuda::Linear out_;
  cuda::CublasHandle cublas_;
  // Scratch, grown to the largest batch seen: one call at a time.
  mutable cuda::DeviceBuffer<float> activations_;   // [batch, width]
  mutable cuda::DeviceBuffer<uint16_t> bf16_input_;  // bf16 layers' rounded inputs
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_cuda_dense_ff(const DenseFfWeights& weights, WeightType precision,
                                                  const Device& device) {
  if (precision != WeightType::f32 && precision != WeightType::bf16) {
    throw Error("dense FF implementation cublas computes in f32 or bf16, not " + std::string(to_string(precision)));
  }
  cuda::use_device(device.index, "device " + to_string(device));
  return std::make_unique<CublasDenseFf>(weights, precision, device);
}

}  // namespace ufb::ops

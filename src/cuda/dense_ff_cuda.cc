// DenseFfImpl::cublas: the dense feedforward as the encoder's two linear layers (cuda/linear.h:
// cuBLAS matmuls, f32 without TF32 or bf16 with f32 sums) around an activation kernel, so it
// computes every activation the CPU does (erf and tanh GELU, ReLU), at the precision of the
// encoder's projections.
#include <memory>
#include <string>

#include "cuda/elementwise.h"
#include "cuda/linear.h"
#include "cuda/thread_resources.h"
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
        in_({weights.shape.hidden, weights.shape.width, weights.w_in, weights.b_in}, LinearOutput::overwrite, precision,
            device),
        out_({weights.shape.width, weights.shape.hidden, weights.w_out, weights.b_out}, LinearOutput::overwrite,
             precision, device) {}

  int64_t held_bytes() const override { return in_.held_bytes() + out_.held_bytes(); }

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    cuda::make_current(device().index);
    const int64_t width = shape().width;
    const int64_t hidden = shape().hidden;
    cuda::DeviceBuffer<float>& scratch = cuda::thread_resources(device().index).dense_activations;
    scratch.reserve(batch * width);
    const std::span<float> activations(scratch.data(), static_cast<size_t>(batch * width));
    in_.forward({x, static_cast<size_t>(batch * hidden)}, batch, activations);
    activate_inplace(activations.data(), batch * width, activation_, cuda::current_stream());
    out_.forward(activations, batch, {y, static_cast<size_t>(batch * hidden)});
  }

  Activation activation_;
  cuda::Linear in_;
  cuda::Linear out_;
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

// The CUDA FFF interface: argument checks shared by all variants, names, and the factory.
#include "ufb/ops/cuda/fff_cuda.h"

#include <string>

#include "cuda/fff_cuda_variants.h"
#include "cuda/size_checks.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

constexpr std::string_view kOp = "CUDA FFF";

}  // namespace

std::string_view to_string(FffCudaImpl impl) {
  switch (impl) {
    case FffCudaImpl::native: return "cuda_native";
  }
  return "?";
}

FffCudaKernel::FffCudaKernel(const FffShape& shape, WeightType weight_type)
    : shape_(shape), weight_type_(weight_type) {}

void FffCudaKernel::forward(std::span<const float> x, int64_t batch, std::span<float> y,
                            std::span<int32_t> leaves) const {
  check_cuda_batch(kOp, batch);
  check_cuda_span(kOp, "input", x.size(), batch * shape_.hidden);
  check_cuda_span(kOp, "output", y.size(), batch * shape_.hidden);
  if (!leaves.empty()) check_cuda_span(kOp, "leaves", leaves.size(), batch * shape_.trees);
  if (batch == 0) return;
  const cuda::DeviceBuffer<float> x_device(x);
  cuda::DeviceBuffer<float> y_device(y.size());
  cuda::DeviceBuffer<int32_t> leaves_device(leaves.size());
  run(x_device.data(), batch, y_device.data(), leaves.empty() ? nullptr : leaves_device.data(), nullptr);
  cuda::synchronize();
  y_device.download(y);
  if (!leaves.empty()) leaves_device.download(leaves);
}

void FffCudaKernel::forward_device(const float* x, int64_t batch, float* y, int32_t* leaves,
                                   CUstream_st* stream) const {
  check_cuda_batch(kOp, batch);
  if (batch == 0) return;
  check_cuda_pointer(kOp, "input", x);
  check_cuda_pointer(kOp, "output", y);
  run(x, batch, y, leaves, stream);
}

std::unique_ptr<FffCudaKernel> make_fff_cuda_kernel(FffCudaImpl impl, const FffWeights& weights,
                                                    WeightType weight_type, const FffCudaOptions& options) {
  validate(weights);
  if (weight_type == WeightType::int8) throw Error("CUDA FFF kernels take f32 or bf16 weights, not int8");
  if (cuda::device_count() == 0) {
    throw Error("CUDA FFF implementation '" + std::string(to_string(impl)) +
                "' needs a CUDA GPU, and none was found");
  }
  switch (impl) {
    case FffCudaImpl::native: return make_native_fff_cuda(weights, weight_type, options);
  }
  throw Error("unhandled CUDA FFF implementation");
}

}  // namespace ufb::ops

// The CUDA dense FF interface: argument checks shared by all variants, names, the factory.
#include "ufb/ops/cuda/dense_ff_cuda.h"

#include <array>
#include <string>

#include "cuda/dense_ff_cuda_variants.h"
#include "cuda/size_checks.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

constexpr std::array kDenseFfCudaImpls = {DenseFfCudaImpl::cublas_sgemm, DenseFfCudaImpl::cublaslt_tf32,
                                          DenseFfCudaImpl::cublaslt_bf16};
constexpr std::string_view kOp = "CUDA dense FF";

}  // namespace

std::string_view to_string(DenseFfCudaImpl impl) {
  switch (impl) {
    case DenseFfCudaImpl::cublas_sgemm: return "cublas_sgemm";
    case DenseFfCudaImpl::cublaslt_tf32: return "cublaslt_tf32";
    case DenseFfCudaImpl::cublaslt_bf16: return "cublaslt_bf16";
  }
  return "?";
}

DenseFfCudaImpl parse_dense_ff_cuda_impl(std::string_view name) {
  for (DenseFfCudaImpl impl : kDenseFfCudaImpls) {
    if (to_string(impl) == name) return impl;
  }
  throw Error("unknown CUDA dense FF implementation '" + std::string(name) +
              "' (expected cublas_sgemm, cublaslt_tf32 or cublaslt_bf16)");
}

std::span<const DenseFfCudaImpl> all_dense_ff_cuda_impls() { return kDenseFfCudaImpls; }

bool supports(DenseFfCudaImpl impl, WeightType weight_type) {
  switch (impl) {
    case DenseFfCudaImpl::cublas_sgemm:
    case DenseFfCudaImpl::cublaslt_tf32: return weight_type == WeightType::f32;
    case DenseFfCudaImpl::cublaslt_bf16: return weight_type == WeightType::bf16;
  }
  return false;
}

DenseFfCudaKernel::DenseFfCudaKernel(const DenseFfShape& shape, WeightType weight_type)
    : shape_(shape), weight_type_(weight_type) {}

void DenseFfCudaKernel::forward(std::span<const float> x, int64_t batch, std::span<float> y) const {
  check_cuda_batch(kOp, batch);
  check_cuda_span(kOp, "input", x.size(), batch * shape_.hidden);
  check_cuda_span(kOp, "output", y.size(), batch * shape_.hidden);
  if (batch == 0) return;
  const cuda::DeviceBuffer<float> x_device(x);
  cuda::DeviceBuffer<float> y_device(y.size());
  run(x_device.data(), batch, y_device.data(), nullptr);
  cuda::synchronize();
  y_device.download(y);
}

void DenseFfCudaKernel::forward_device(const float* x, int64_t batch, float* y, CUstream_st* stream) const {
  check_cuda_batch(kOp, batch);
  if (batch == 0) return;
  check_cuda_pointer(kOp, "input", x);
  check_cuda_pointer(kOp, "output", y);
  run(x, batch, y, stream);
}

std::unique_ptr<DenseFfCudaKernel> make_dense_ff_cuda_kernel(DenseFfCudaImpl impl, const DenseFfWeights& weights,
                                                             WeightType weight_type) {
  validate(weights);
  if (!supports(impl, weight_type)) {
    throw Error("CUDA dense FF implementation '" + std::string(to_string(impl)) + "' does not take " +
                std::string(to_string(weight_type)) + " weights");
  }
  if (cuda::device_count() == 0) {
    throw Error("CUDA dense FF implementation '" + std::string(to_string(impl)) +
                "' needs a CUDA GPU, and none was found");
  }
  switch (impl) {
    case DenseFfCudaImpl::cublas_sgemm: return make_cublas_dense_ff_cuda(weights);
    case DenseFfCudaImpl::cublaslt_tf32:
    case DenseFfCudaImpl::cublaslt_bf16: return make_cublaslt_dense_ff_cuda(impl, weights);
  }
  throw Error("unhandled CUDA dense FF implementation");
}

}  // namespace ufb::ops

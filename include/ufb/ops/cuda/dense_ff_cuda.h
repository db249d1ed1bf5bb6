#pragma once

// Dense feedforward baselines on a CUDA GPU (built with -DUFB_CUDA=ON; see docs/cuda.md), for
// comparison with the FFF kernels. Same function as ufb/ops/dense_ff.h, tested against
// DenseFfImpl::reference. GELU is always the exact erf form: cuBLASLt's fused GELU epilogue
// computes the tanh approximation, so the GEMM variants run a separate bias + GELU kernel.

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "ufb/ops/dense_ff.h"
#include "ufb/ops/weight_type.h"

struct CUstream_st;

namespace ufb::ops {

// The benchmark's naive kernel (the FFF naive kernel's twin) is not the library's:
// bench/cuda/baselines/.
enum class DenseFfCudaImpl {
  cublas_sgemm,   // cuBLAS SGEMM, full float32 (no TF32)
  cublaslt_tf32,  // cuBLASLt with float32 data and TF32 tensor cores
  cublaslt_bf16,  // cuBLASLt with bf16 weights and activations, float32 accumulation
};

std::string_view to_string(DenseFfCudaImpl impl);  // "cublas_sgemm", ...
DenseFfCudaImpl parse_dense_ff_cuda_impl(std::string_view name);  // throws ufb::Error
std::span<const DenseFfCudaImpl> all_dense_ff_cuda_impls();
// The one weight type each variant takes.
bool supports(DenseFfCudaImpl impl, WeightType weight_type);

class DenseFfCudaKernel {
 public:
  DenseFfCudaKernel(const DenseFfShape& shape, WeightType weight_type);
  virtual ~DenseFfCudaKernel() = default;
  DenseFfCudaKernel(const DenseFfCudaKernel&) = delete;
  DenseFfCudaKernel& operator=(const DenseFfCudaKernel&) = delete;

  // As FffCudaKernel: host arrays (copies and waits) or device arrays queued on a stream.
  void forward(std::span<const float> x, int64_t batch, std::span<float> y) const;
  void forward_device(const float* x, int64_t batch, float* y, CUstream_st* stream = nullptr) const;

  const DenseFfShape& shape() const { return shape_; }
  WeightType weight_type() const { return weight_type_; }

 protected:
  virtual void run(const float* x, int64_t batch, float* y, CUstream_st* stream) const = 0;

 private:
  DenseFfShape shape_;
  WeightType weight_type_;
};

// Throws ufb::Error for invalid weights, a weight type the variant lacks, or no CUDA device.
std::unique_ptr<DenseFfCudaKernel> make_dense_ff_cuda_kernel(DenseFfCudaImpl impl,
                                                             const DenseFfWeights& weights,
                                                             WeightType weight_type);

}  // namespace ufb::ops

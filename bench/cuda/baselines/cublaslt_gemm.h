#pragma once

// One cuBLASLt matmul shape with its algorithm chosen once:
// D[m, n] = A[k, m]^T · B[k, n] (+ beta · D), column-major, leading dimensions k, k and m.
// In row-major terms: D[n rows of m] = B[n rows of k] · A[m rows of k]^T, the shape of both
// dense FF layers with row-major weights [out, in] and a row-major batch.

#include <cstddef>
#include <cstdint>
#include <memory>

#include <cublasLt.h>

#include "cuda/cuda_check.h"

namespace ufb::bench {

class CublasLtHandle {
 public:
  CublasLtHandle() { UFB_CUDA_CHECK(cublasLtCreate(&handle_)); }
  ~CublasLtHandle() { cublasLtDestroy(handle_); }
  CublasLtHandle(const CublasLtHandle&) = delete;
  CublasLtHandle& operator=(const CublasLtHandle&) = delete;

  cublasLtHandle_t get() const { return handle_; }

 private:
  cublasLtHandle_t handle_ = nullptr;
};

struct LtGemmShape {
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  cudaDataType_t ab_type = CUDA_R_32F;  // A and B
  cudaDataType_t d_type = CUDA_R_32F;   // D (and C)
  cublasComputeType_t compute = CUBLAS_COMPUTE_32F;
};

class LtGemm {
 public:
  // Every pointer later passed to run() must be 16-byte aligned.
  LtGemm(cublasLtHandle_t handle, const LtGemmShape& shape, size_t workspace_bytes);

  void run(cublasLtHandle_t handle, const void* a, const void* b, float beta, void* d, void* workspace,
           size_t workspace_bytes, cudaStream_t stream) const;

 private:
  std::unique_ptr<cublasLtMatmulDescOpaque_t, cublasStatus_t (*)(cublasLtMatmulDesc_t)> desc_;
  std::unique_ptr<cublasLtMatrixLayoutOpaque_t, cublasStatus_t (*)(cublasLtMatrixLayout_t)> a_layout_;
  std::unique_ptr<cublasLtMatrixLayoutOpaque_t, cublasStatus_t (*)(cublasLtMatrixLayout_t)> b_layout_;
  std::unique_ptr<cublasLtMatrixLayoutOpaque_t, cublasStatus_t (*)(cublasLtMatrixLayout_t)> d_layout_;
  cublasLtMatmulAlgo_t algo_{};
};

}  // namespace ufb::bench

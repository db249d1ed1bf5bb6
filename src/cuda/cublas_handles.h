#pragma once

// RAII owners of cuBLAS and cuBLASLt handles.

#include <cublasLt.h>
#include <cublas_v2.h>

#include "cuda/cuda_check.h"

namespace ufb::cuda {

class CublasHandle {
 public:
  CublasHandle() {
    UFB_CUDA_CHECK(cublasCreate(&handle_));
    // Full float32 arithmetic: TF32 only where a variant asks for it by name.
    UFB_CUDA_CHECK(cublasSetMathMode(handle_, CUBLAS_DEFAULT_MATH));
  }
  ~CublasHandle() { cublasDestroy(handle_); }
  CublasHandle(const CublasHandle&) = delete;
  CublasHandle& operator=(const CublasHandle&) = delete;

  cublasHandle_t get() const { return handle_; }

 private:
  cublasHandle_t handle_ = nullptr;
};

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

}  // namespace ufb::cuda

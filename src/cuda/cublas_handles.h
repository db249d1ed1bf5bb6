#pragma once

// RAII owner of a cuBLAS handle.

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
}  // namespace ufb::cuda

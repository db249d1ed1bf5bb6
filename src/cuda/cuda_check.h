#pragma once

// Turns CUDA runtime and cuBLAS status codes into ufb::Error.

#include <cublas_v2.h>
#include <cuda_runtime.h>

namespace ufb::cuda {

void check(cudaError_t status, const char* what, const char* file, int line);
void check(cublasStatus_t status, const char* what, const char* file, int line);

}  // namespace ufb::cuda

// UFB_CUDA_CHECK(cudaMalloc(...)): throws ufb::Error naming the call, the error and the source line.
#define UFB_CUDA_CHECK(call) ::ufb::cuda::check((call), #call, __FILE__, __LINE__)
// After a kernel launch: reports a bad launch configuration at once.
#define UFB_CUDA_CHECK_LAUNCH(kernel) \
  ::ufb::cuda::check(cudaGetLastError(), "launch of " kernel, __FILE__, __LINE__)

#include "cuda/cuda_check.h"

#include <string>
#include <string_view>

#include "ufb/error.h"

namespace ufb::cuda {
namespace {

std::string where(const char* file, int line) {
  std::string_view path(file);
  const size_t slash = path.find_last_of('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  return std::string(path) + ":" + std::to_string(line);
}

}  // namespace

void check(cudaError_t status, const char* what, const char* file, int line) {
  if (status == cudaSuccess) return;
  throw Error("CUDA error in " + std::string(what) + ": " + cudaGetErrorName(status) + " (" +
              cudaGetErrorString(status) + ") at " + where(file, line));
}

void check(cublasStatus_t status, const char* what, const char* file, int line) {
  if (status == CUBLAS_STATUS_SUCCESS) return;
  throw Error("cuBLAS error in " + std::string(what) + ": " + cublasGetStatusName(status) + " (" +
              cublasGetStatusString(status) + ") at " + where(file, line));
}

}  // namespace ufb::cuda

#include "cuda/cuda_kernel_forms.h"

#include <array>
#include <string>

#include "cuda/baselines/cuda_baselines.h"
#include "ufb/cuda/device.h"
#include "ufb/error.h"

namespace ufb::bench {
namespace {

constexpr std::array kFffForms = {CudaFffForm::naive, CudaFffForm::bmm, CudaFffForm::native};
constexpr std::array kDenseForms = {CudaDenseForm::naive, CudaDenseForm::cublas_sgemm, CudaDenseForm::cublaslt_tf32,
                                    CudaDenseForm::cublaslt_bf16};

// What the library's factories check before they make a kernel, for the baselines.
void check_baseline(const std::string& what, ops::WeightType weight_type) {
  if (weight_type == ops::WeightType::int8) throw Error(what + " takes f32 or bf16 weights, not int8");
  if (cuda::device_count() == 0) throw Error(what + " needs a CUDA GPU, and none was found");
}

ops::DenseFfCudaImpl library_impl(CudaDenseForm form) {
  switch (form) {
    case CudaDenseForm::cublas_sgemm: return ops::DenseFfCudaImpl::cublas_sgemm;
    case CudaDenseForm::cublaslt_tf32: return ops::DenseFfCudaImpl::cublaslt_tf32;
    case CudaDenseForm::cublaslt_bf16: return ops::DenseFfCudaImpl::cublaslt_bf16;
    case CudaDenseForm::naive: break;
  }
  throw Error("the naive CUDA dense FF is no library kernel");
}

}  // namespace

std::string_view to_string(CudaFffForm form) {
  switch (form) {
    case CudaFffForm::naive: return "cuda_naive";
    case CudaFffForm::bmm: return "cuda_bmm";
    case CudaFffForm::native: return "cuda_native";
  }
  return "?";
}

std::string_view to_string(CudaDenseForm form) {
  return form == CudaDenseForm::naive ? "cuda_naive" : ops::to_string(library_impl(form));
}

CudaFffForm parse_cuda_fff_form(std::string_view name) {
  for (const CudaFffForm form : kFffForms) {
    if (to_string(form) == name) return form;
  }
  throw Error("unknown CUDA FFF implementation '" + std::string(name) +
              "' (expected cuda_naive, cuda_bmm or cuda_native)");
}

CudaDenseForm parse_cuda_dense_form(std::string_view name) {
  for (const CudaDenseForm form : kDenseForms) {
    if (to_string(form) == name) return form;
  }
  throw Error("unknown CUDA dense FF implementation '" + std::string(name) +
              "' (expected cuda_naive, cublas_sgemm, cublaslt_tf32 or cublaslt_bf16)");
}

std::span<const CudaFffForm> all_cuda_fff_forms() { return kFffForms; }
std::span<const CudaDenseForm> all_cuda_dense_forms() { return kDenseForms; }

bool supports(CudaDenseForm form, ops::WeightType weight_type) {
  if (form == CudaDenseForm::naive) return weight_type != ops::WeightType::int8;
  return ops::supports(library_impl(form), weight_type);
}

std::unique_ptr<ops::FffCudaKernel> make_cuda_fff_form(CudaFffForm form, const ops::FffWeights& weights,
                                                       ops::WeightType weight_type,
                                                       const ops::FffCudaOptions& options) {
  if (form == CudaFffForm::native) {
    return ops::make_fff_cuda_kernel(ops::FffCudaImpl::native, weights, weight_type, options);
  }
  ops::validate(weights);
  check_baseline("CUDA FFF implementation '" + std::string(to_string(form)) + "'", weight_type);
  return form == CudaFffForm::naive ? make_naive_fff_cuda(weights, weight_type) : make_bmm_fff_cuda(weights, weight_type);
}

std::unique_ptr<ops::DenseFfCudaKernel> make_cuda_dense_form(CudaDenseForm form, const ops::DenseFfWeights& weights,
                                                             ops::WeightType weight_type) {
  if (form != CudaDenseForm::naive) return ops::make_dense_ff_cuda_kernel(library_impl(form), weights, weight_type);
  ops::validate(weights);
  check_baseline("CUDA dense FF implementation 'cuda_naive'", weight_type);
  return make_naive_dense_ff_cuda(weights, weight_type);
}

}  // namespace ufb::bench

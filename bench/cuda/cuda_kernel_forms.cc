#include "cuda/cuda_kernel_forms.h"

#include <array>
#include <string>

#include "cuda/baselines/cuda_baselines.h"
#include "ufb/cuda/device.h"
#include "ufb/error.h"

namespace ufb::bench {
namespace {

constexpr std::array kFffForms = {CudaFffForm::naive, CudaFffForm::bmm, CudaFffForm::native};
constexpr std::array kDenseForms = {CudaDenseForm::naive, CudaDenseForm::cublas, CudaDenseForm::cublaslt_tf32,
                                    CudaDenseForm::cublaslt_bf16};

// What the library's factories check before they make a kernel, for the baselines.
void check_baseline(const std::string& what, ops::WeightType weight_type, const Device& device) {
  if (weight_type == ops::WeightType::int8) throw Error(what + " takes f32 or bf16 weights, not int8");
  cuda::use_device(device.index, what + " on " + to_string(device));
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
  switch (form) {
    case CudaDenseForm::naive: return "cuda_naive";
    case CudaDenseForm::cublas: return "cublas";
    case CudaDenseForm::cublaslt_tf32: return "cublaslt_tf32";
    case CudaDenseForm::cublaslt_bf16: return "cublaslt_bf16";
  }
  return "?";
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
              "' (expected cuda_naive, cublas, cublaslt_tf32 or cublaslt_bf16)");
}

std::span<const CudaFffForm> all_cuda_fff_forms() { return kFffForms; }
std::span<const CudaDenseForm> all_cuda_dense_forms() { return kDenseForms; }

bool supports(CudaDenseForm form, ops::WeightType weight_type) {
  switch (form) {
    case CudaDenseForm::naive:
    case CudaDenseForm::cublas: return weight_type != ops::WeightType::int8;
    case CudaDenseForm::cublaslt_tf32: return weight_type == ops::WeightType::f32;
    case CudaDenseForm::cublaslt_bf16: return weight_type == ops::WeightType::bf16;
  }
  return false;
}

std::unique_ptr<ops::FffKernel> make_cuda_fff_form(CudaFffForm form, const ops::FffWeights& weights,
                                                   ops::WeightType weight_type, const Device& device,
                                                   const ops::CudaFffOptions& options) {
  ops::validate(weights);
  if (form == CudaFffForm::native) return ops::make_cuda_fff(weights, weight_type, device, options);
  const std::string what = "CUDA FFF implementation '" + std::string(to_string(form)) + "'";
  if (weights.w_out_layout != ops::FffOutputLayout::hidden_major) {
    throw Error(what + " reads W_out only as [hidden, neurons]");
  }
  check_baseline(what, weight_type, device);
  return form == CudaFffForm::naive ? make_naive_fff_cuda(weights, weight_type, device)
                                    : make_bmm_fff_cuda(weights, weight_type, device);
}

std::unique_ptr<ops::DenseFfKernel> make_cuda_dense_form(CudaDenseForm form, const ops::DenseFfWeights& weights,
                                                         ops::WeightType weight_type, const Device& device) {
  if (form == CudaDenseForm::cublas) {
    return ops::make_dense_ff_kernel(ops::DenseFfImpl::cublas, weights, weight_type, device);
  }
  ops::validate(weights);
  const std::string what = "CUDA dense FF implementation '" + std::string(to_string(form)) + "'";
  if (!supports(form, weight_type)) {
    throw Error(what + " does not take " + std::string(ops::to_string(weight_type)) + " weights");
  }
  check_baseline(what, weight_type, device);
  return form == CudaDenseForm::naive ? make_naive_dense_ff_cuda(weights, weight_type, device)
                                      : make_cublaslt_dense_ff_cuda(weights, weight_type, device);
}

}  // namespace ufb::bench

#include "kernel_forms.h"

#include <array>
#include <string>

#include "baselines/baselines.h"
#include "ufb/error.h"

namespace ufb::bench {
namespace {

constexpr std::array kFffForms = {FffForm::reference, FffForm::masked_dense, FffForm::blas_l1, FffForm::blas_l2,
                                  FffForm::native};
constexpr std::array kDenseForms = {DenseForm::reference, DenseForm::blas_l1, DenseForm::blas_l2,
                                    DenseForm::blas_l3, DenseForm::onednn};

}  // namespace

std::string_view to_string(FffForm form) {
  switch (form) {
    case FffForm::reference: return "reference";
    case FffForm::masked_dense: return "masked_dense";
    case FffForm::blas_l1: return "blas_l1";
    case FffForm::blas_l2: return "blas_l2";
    case FffForm::native: return "native";
  }
  return "?";
}

std::string_view to_string(DenseForm form) {
  switch (form) {
    case DenseForm::reference: return "reference";
    case DenseForm::blas_l1: return "blas_l1";
    case DenseForm::blas_l2: return "blas_l2";
    case DenseForm::blas_l3: return "blas_l3";
    case DenseForm::onednn: return "onednn";
  }
  return "?";
}

FffForm parse_fff_form(std::string_view name) {
  for (const FffForm form : kFffForms) {
    if (to_string(form) == name) return form;
  }
  throw Error("unknown FFF implementation '" + std::string(name) +
              "' (expected reference, masked_dense, blas_l1, blas_l2 or native)");
}

DenseForm parse_dense_form(std::string_view name) {
  for (const DenseForm form : kDenseForms) {
    if (to_string(form) == name) return form;
  }
  throw Error("unknown dense FF implementation '" + std::string(name) +
              "' (expected reference, blas_l1, blas_l2, blas_l3 or onednn)");
}

std::span<const FffForm> all_fff_forms() { return kFffForms; }
std::span<const DenseForm> all_dense_forms() { return kDenseForms; }

std::unique_ptr<ops::FffKernel> make_fff_form(FffForm form, const ops::FffWeights& weights,
                                              ops::WeightType weight_type) {
  if (form == FffForm::reference) return ops::make_fff_kernel(ops::FffImpl::reference, weights, weight_type);
  if (form == FffForm::native) return ops::make_fff_kernel(ops::FffImpl::native, weights, weight_type);
  ops::validate(weights);
  const std::string name(to_string(form));
  if (weights.w_out_layout != ops::FffOutputLayout::hidden_major) {
    throw Error("FFF implementation '" + name +
                "' reads W_out only as [hidden, neurons] ([neurons, hidden] is available in 'native')");
  }
  if (weight_type != ops::WeightType::f32) {
    throw Error("FFF implementation '" + name + "' supports only f32 weights (" +
                std::string(ops::to_string(weight_type)) + " is available in 'native')");
  }
  switch (form) {
    case FffForm::masked_dense: return make_masked_dense_fff(weights);
    case FffForm::blas_l1: return make_blas_l1_fff(weights);
    case FffForm::blas_l2: return make_blas_l2_fff(weights);
    case FffForm::reference:
    case FffForm::native: break;
  }
  throw Error("unhandled FFF implementation");
}

std::unique_ptr<ops::DenseFfKernel> make_dense_form(DenseForm form, const ops::DenseFfWeights& weights,
                                                    ops::WeightType precision) {
  if (form == DenseForm::reference) return ops::make_dense_ff_kernel(ops::DenseFfImpl::reference, weights, precision);
  if (form == DenseForm::onednn) return ops::make_dense_ff_kernel(ops::DenseFfImpl::onednn, weights, precision);
  ops::validate(weights);
  const std::string name(to_string(form));
  if (precision != ops::WeightType::f32) throw Error("dense FF implementation " + name + " computes in f32 only");
  if (weights.activation != ops::Activation::gelu_erf) {
    throw Error("dense FF implementation " + name + " computes the exact GELU only");
  }
  switch (form) {
    case DenseForm::blas_l1: return make_blas_l1_dense_ff(weights);
    case DenseForm::blas_l2: return make_blas_l2_dense_ff(weights);
    case DenseForm::blas_l3: return make_blas_l3_dense_ff(weights);
    case DenseForm::reference:
    case DenseForm::onednn: break;
  }
  throw Error("unhandled dense FF implementation");
}

}  // namespace ufb::bench

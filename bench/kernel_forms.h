#pragma once

// What `ufb bench kernels --fff-impls/--dense-impls` name: the library's kernels (ops::FffImpl,
// ops::DenseFfImpl) and the benchmark-only baselines (bench/baselines/), under one set of names.

#include <memory>
#include <span>
#include <string_view>

#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/weight_type.h"

namespace ufb::bench {

enum class FffForm {
  reference,     // ops::FffImpl::reference: the oracle
  masked_dense,  // the original training code: all logits, a hard path mask, two dense matmuls
  blas_l1,       // per visited node one sdot and one saxpy (the paper's "BLAS level 1" CMM)
  blas_l2,       // per level, tokens grouped by node: sgemv + sger over the group (level 2)
  native,        // ops::FffImpl::native: ufb's kernel
};

enum class DenseForm {
  reference,  // ops::DenseFfImpl::reference: the oracle
  blas_l1,    // OpenBLAS sdot per neuron and per output
  blas_l2,    // OpenBLAS sgemv per token
  blas_l3,    // OpenBLAS sgemm over the batch
  onednn,     // ops::DenseFfImpl::onednn: what the models run
};

std::string_view to_string(FffForm form);
std::string_view to_string(DenseForm form);
FffForm parse_fff_form(std::string_view name);      // throws ufb::Error listing the names
DenseForm parse_dense_form(std::string_view name);  // throws ufb::Error listing the names
std::span<const FffForm> all_fff_forms();
std::span<const DenseForm> all_dense_forms();

// Throws ufb::Error for invalid weights or a form that lacks `weight_type` or the weights'
// W_out layout (the baselines take f32 weights and W_out as [hidden, neurons]).
std::unique_ptr<ops::FffKernel> make_fff_form(FffForm form, const ops::FffWeights& weights,
                                              ops::WeightType weight_type = ops::WeightType::f32);
// The baselines compute f32 and the erf GELU only.
std::unique_ptr<ops::DenseFfKernel> make_dense_form(DenseForm form, const ops::DenseFfWeights& weights,
                                                    ops::WeightType precision = ops::WeightType::f32);

}  // namespace ufb::bench

#pragma once

// The benchmark-only forms of the FFF and dense layers: how the paper and the original training
// code ran them, which `ufb bench kernels` times next to the library's kernels. No model runs
// them, so they live here and not in the library; tests/bench/kernel_forms_test.cc checks each
// against the library's reference.

#include <memory>

#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::bench {

// FFF, f32 weights, W_out as [hidden, neurons].
std::unique_ptr<ops::FffKernel> make_masked_dense_fff(const ops::FffWeights& weights);
std::unique_ptr<ops::FffKernel> make_blas_l1_fff(const ops::FffWeights& weights);
std::unique_ptr<ops::FffKernel> make_blas_l2_fff(const ops::FffWeights& weights);

// Dense feedforward on OpenBLAS at the three BLAS levels, f32, exact GELU.
std::unique_ptr<ops::DenseFfKernel> make_blas_l1_dense_ff(const ops::DenseFfWeights& weights);
std::unique_ptr<ops::DenseFfKernel> make_blas_l2_dense_ff(const ops::DenseFfWeights& weights);
std::unique_ptr<ops::DenseFfKernel> make_blas_l3_dense_ff(const ops::DenseFfWeights& weights);

}  // namespace ufb::bench

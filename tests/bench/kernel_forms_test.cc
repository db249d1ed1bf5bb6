// Every form `ufb bench kernels` times, the benchmark-only baselines included, against the
// library's reference: FFF paths identical, outputs within 3e-5 of their scale. (The library's
// own kernels are tested on every SIMD target in tests/ops/.)
#include "kernel_forms.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"

namespace ufb::bench {
namespace {

constexpr double kTolerance = 3e-5;

TEST(FffForms, EveryFormMatchesTheReferenceOnAwkwardSizes) {
  for (const int64_t hidden : {1, 7, 100}) {
    for (const int depth : {0, 1, 11}) {
      for (const int64_t trees : {1, 3}) {
        std::mt19937 rng(static_cast<unsigned>(hidden * 31 + depth * 3 + trees));
        const ops::FffLayer layer = ops::random_fff_layer({hidden, depth, trees}, rng);
        for (const int64_t batch : {1, 5, 300}) {
          const std::vector<float> x = ops::tokens_with_routing_margin(layer.view(), batch, 1e-3f, rng);
          const auto forward = [&](FffForm form, std::vector<float>& y, std::vector<int32_t>& leaves) {
            y.assign(x.size(), -7.0f);
            leaves.assign(batch * trees, -1);
            make_fff_form(form, layer.view())->forward(x, batch, y, leaves);
          };
          std::vector<float> expected;
          std::vector<int32_t> expected_leaves;
          forward(FffForm::reference, expected, expected_leaves);
          for (const FffForm form : all_fff_forms()) {
            SCOPED_TRACE(std::string(to_string(form)) + " hidden " + std::to_string(hidden) + " depth " +
                         std::to_string(depth) + " trees " + std::to_string(trees) + " batch " + std::to_string(batch));
            std::vector<float> y;
            std::vector<int32_t> leaves;
            forward(form, y, leaves);
            EXPECT_EQ(leaves, expected_leaves);
            EXPECT_LE(ops::relative_error(y, expected), kTolerance);
          }
        }
      }
    }
  }
}

TEST(DenseForms, EveryFormMatchesTheReferenceOnAwkwardSizes) {
  for (const int64_t hidden : {1, 7, 100}) {
    for (const int64_t width : {1, 37, 300}) {
      for (const bool biases : {false, true}) {
        std::mt19937 rng(static_cast<unsigned>(hidden * 7 + width + biases));
        const ops::DenseFfLayer layer = ops::random_dense_ff_layer({hidden, width}, biases, rng);
        for (const int64_t batch : {1, 5, 200}) {
          const std::vector<float> x = ops::random_tokens(batch, hidden, rng);
          std::vector<float> expected(x.size());
          make_dense_form(DenseForm::reference, layer.view())->forward(x, batch, expected);
          for (const DenseForm form : all_dense_forms()) {
            SCOPED_TRACE(std::string(to_string(form)) + " hidden " + std::to_string(hidden) + " width " +
                         std::to_string(width) + " batch " + std::to_string(batch) + (biases ? " biases" : ""));
            std::vector<float> y(x.size(), -7.0f);
            make_dense_form(form, layer.view())->forward(x, batch, y);
            EXPECT_LE(ops::relative_error(y, expected), kTolerance);
          }
        }
      }
    }
  }
}

using tokenizer::error_of;

TEST(KernelForms, WhatABaselineCannotDoIsNamed) {
  std::mt19937 rng(1);
  const ops::FffLayer layer = ops::random_fff_layer({8, 2, 1}, rng);
  EXPECT_EQ(error_of([&] { make_fff_form(FffForm::blas_l1, layer.view(), ops::WeightType::bf16); }),
            "FFF implementation 'blas_l1' supports only f32 weights (bf16 is available in 'native')");
  ops::FffWeights neuron_major = layer.view();
  neuron_major.w_out_layout = ops::FffOutputLayout::neuron_major;
  EXPECT_EQ(error_of([&] { make_fff_form(FffForm::blas_l2, neuron_major); }),
            "FFF implementation 'blas_l2' reads W_out only as [hidden, neurons] ([neurons, hidden] is "
            "available in 'native')");
  EXPECT_EQ(error_of([] { parse_fff_form("fast"); }),
            "unknown FFF implementation 'fast' (expected reference, masked_dense, blas_l1, blas_l2 or native)");
  const ops::DenseFfLayer dense = ops::random_dense_ff_layer({6, 10}, true, rng);
  ops::DenseFfWeights relu = dense.view();
  relu.activation = ops::Activation::relu;
  EXPECT_EQ(error_of([&] { make_dense_form(DenseForm::blas_l2, relu); }),
            "dense FF implementation blas_l2 computes the exact GELU only");
  EXPECT_EQ(error_of([] { parse_dense_form("blas_l4"); }),
            "unknown dense FF implementation 'blas_l4' (expected reference, blas_l1, blas_l2, blas_l3 or onednn)");
}

}  // namespace
}  // namespace ufb::bench

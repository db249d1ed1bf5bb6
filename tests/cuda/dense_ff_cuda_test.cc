// Every CUDA dense FF variant against the CPU reference, within a tolerance relative to the
// output's scale that follows from its arithmetic (float32, TF32, bf16).
#include <gtest/gtest.h>

#include <random>
#include <string>

#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"
#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "cuda/cuda_kernel_forms.h"
#include "cuda/host_arrays.h"

namespace ufb::ops {
namespace {

using tokenizer::error_of;

struct DenseCase {
  int64_t hidden;
  int64_t width;
  bool biases;
};

std::string case_name(const testing::TestParamInfo<DenseCase>& info) {
  std::string name = "h";  // appended piece by piece: GCC 12 warns wrongly on "h" + std::string
  name += std::to_string(info.param.hidden) + "_w" + std::to_string(info.param.width);
  if (info.param.biases) name += "_bias";
  return name;
}

using bench::CudaDenseForm;

const Device kGpu{Device::Kind::cuda, 0};

double tolerance(CudaDenseForm form) {
  switch (form) {
    case CudaDenseForm::naive: return 3e-5;
    case CudaDenseForm::cublas: return 3e-5;  // f32; bf16 below
    case CudaDenseForm::cublaslt_tf32: return 5e-3;  // 10-bit mantissas
    case CudaDenseForm::cublaslt_bf16: return 3e-2;  // input and activations rounded to bf16 too
  }
  return 0.0;
}

class DenseFfCudaTest : public testing::TestWithParam<DenseCase> {};

TEST_P(DenseFfCudaTest, MatchesReference) {
  const DenseCase c = GetParam();
  std::mt19937 rng(99 + static_cast<unsigned>(c.hidden + c.width));
  const ops::DenseFfLayer layer = ops::random_dense_ff_layer({c.hidden, c.width}, c.biases, rng);
  for (const WeightType weight_type : {WeightType::f32, WeightType::bf16}) {
    const ops::DenseFfLayer expected_layer = weight_type == WeightType::bf16 ? ops::rounded_to_bf16(layer) : layer;
    const auto reference = make_dense_ff_kernel(DenseFfImpl::reference, expected_layer.view());
    for (const int64_t batch : {1, 5, 1000}) {
      const std::vector<float> x = ops::random_tokens(batch, c.hidden, rng);
      std::vector<float> expected(x.size());
      reference->forward(x, batch, expected);
      for (const CudaDenseForm form : bench::all_cuda_dense_forms()) {
        if (!supports(form, weight_type)) continue;
        SCOPED_TRACE(std::string(to_string(form)) + " " + std::string(to_string(weight_type)) + " batch " +
                     std::to_string(batch));
        const auto kernel = bench::make_cuda_dense_form(form, layer.view(), weight_type, kGpu);
        std::vector<float> y(x.size(), NAN);
        testing_cuda::forward_from_host(*kernel, x, batch, y);
        const bool bf16 = weight_type == WeightType::bf16;
        EXPECT_LE(ops::relative_error(y, expected), bf16 ? tolerance(CudaDenseForm::cublaslt_bf16) : tolerance(form));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, DenseFfCudaTest,
                         testing::Values(DenseCase{1, 1, false}, DenseCase{7, 33, true}, DenseCase{100, 257, true},
                                         DenseCase{768, 3072, false}),
                         case_name);

// The library's GPU dense FF computes every activation the CPU does.
TEST(DenseFfCuda, EveryActivation) {
  std::mt19937 rng(5);
  const ops::DenseFfLayer layer = ops::random_dense_ff_layer({40, 130}, true, rng);
  const int64_t batch = 17;
  const std::vector<float> x = ops::random_tokens(batch, 40, rng);
  for (const Activation activation : {Activation::gelu_erf, Activation::gelu_tanh, Activation::relu}) {
    SCOPED_TRACE("activation " + std::to_string(static_cast<int>(activation)));
    DenseFfWeights weights = layer.view();
    weights.activation = activation;
    std::vector<float> expected(x.size()), y(x.size(), NAN);
    make_dense_ff_kernel(DenseFfImpl::reference, weights)->forward(x, batch, expected);
    testing_cuda::forward_from_host(*make_dense_ff_kernel(DenseFfImpl::cublas, weights, WeightType::f32, kGpu), x,
                                    batch, y);
    EXPECT_LE(ops::relative_error(y, expected), tolerance(CudaDenseForm::cublas));
  }
}

TEST(DenseFfCudaErrors, NamesTheProblem) {
  std::mt19937 rng(3);
  const ops::DenseFfLayer layer = ops::random_dense_ff_layer({8, 16}, false, rng);
  EXPECT_EQ(error_of([&] { bench::make_cuda_dense_form(CudaDenseForm::cublaslt_tf32, layer.view(), WeightType::bf16, kGpu); }),
            "CUDA dense FF implementation 'cublaslt_tf32' does not take bf16 weights");
  EXPECT_EQ(error_of([&] { make_dense_ff_kernel(DenseFfImpl::cublas, layer.view(), WeightType::int8, kGpu); }),
            "dense FF implementation cublas computes in f32 or bf16, not int8");
  EXPECT_EQ(error_of([&] { make_dense_ff_kernel(DenseFfImpl::onednn, layer.view(), WeightType::f32, kGpu); }),
            "dense FF implementation onednn does not run on cuda:0 (cublas does)");
  EXPECT_EQ(error_of([] { bench::parse_cuda_dense_form("cudnn"); }),
            "unknown CUDA dense FF implementation 'cudnn' (expected cuda_naive, cublas, cublaslt_tf32 or "
            "cublaslt_bf16)");
}

}  // namespace
}  // namespace ufb::ops

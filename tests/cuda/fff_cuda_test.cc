// Every CUDA FFF form `ufb bench kernels --device cuda` times (the library's cuda_native and the
// benchmark's baselines) against the CPU reference: same leaf per token and tree, outputs
// within a tolerance relative to the output's scale. bf16 forms against the reference run on
// the bf16-rounded weights.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>

#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"
#include "ufb/error.h"
#include "ufb/ops/cuda/fff_cuda.h"
#include "cuda/cuda_kernel_forms.h"

namespace ufb::ops {
namespace {

constexpr float kLogitMargin = 1e-3f;
constexpr double kTolerance = 2e-5;  // of max |reference output|

struct FffCase {
  int64_t hidden;
  int depth;
  int64_t trees;
};

std::string case_name(const testing::TestParamInfo<FffCase>& info) {
  std::string name = "h";  // appended piece by piece: GCC 12 warns wrongly on "h" + std::string
  name += std::to_string(info.param.hidden) + "_d" + std::to_string(info.param.depth);
  name += "_t" + std::to_string(info.param.trees);
  return name;
}

class FffCudaTest : public testing::TestWithParam<FffCase> {};

TEST_P(FffCudaTest, MatchesReference) {
  const FffCase c = GetParam();
  std::mt19937 rng(1234 + static_cast<unsigned>(c.hidden * 100 + c.depth * 10 + c.trees));
  const ops::FffLayer layer = ops::random_fff_layer({c.hidden, c.depth, c.trees}, rng);
  for (const WeightType weight_type : {WeightType::f32, WeightType::bf16}) {
    const ops::FffLayer expected_layer = weight_type == WeightType::bf16 ? ops::rounded_to_bf16(layer) : layer;
    const auto reference = make_fff_kernel(FffImpl::reference, expected_layer.view());
    std::vector<std::unique_ptr<FffCudaKernel>> kernels;
    std::vector<std::string> names;
    for (const bench::CudaFffForm form : bench::all_cuda_fff_forms()) {
      kernels.push_back(bench::make_cuda_fff_form(form, layer.view(), weight_type));  // rounds by itself
      names.emplace_back(to_string(form));
    }
    // cuda_native's two paths at every batch (by default batch 1 and 5 take the block-per-token
    // path, 1000 the warp-per-token one).
    kernels.push_back(make_fff_cuda_kernel(FffCudaImpl::native, layer.view(), weight_type, {0}));
    names.emplace_back("cuda_native warp per token");
    kernels.push_back(make_fff_cuda_kernel(FffCudaImpl::native, layer.view(), weight_type, {INT64_MAX}));
    names.emplace_back("cuda_native block per token");
    for (const int64_t batch : {1, 5, 1000}) {
      const std::vector<float> x = ops::tokens_with_routing_margin(expected_layer.view(), batch, kLogitMargin, rng, batch);
      std::vector<float> expected(x.size());
      std::vector<int32_t> expected_leaves(batch * c.trees);
      reference->forward(x, batch, expected, expected_leaves);
      for (size_t k = 0; k < kernels.size(); ++k) {
        const FffCudaKernel* kernel = kernels[k].get();
        SCOPED_TRACE(names[k] + " " + std::string(to_string(weight_type)) + " batch " + std::to_string(batch));
        std::vector<float> y(x.size(), NAN);
        std::vector<int32_t> leaves(expected_leaves.size(), -1);
        kernel->forward(x, batch, y, leaves);
        ASSERT_EQ(leaves, expected_leaves);
        EXPECT_LE(ops::relative_error(y, expected), kTolerance);
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, FffCudaTest,
                         testing::Values(FffCase{1, 0, 1}, FffCase{1, 1, 3}, FffCase{1, 11, 1}, FffCase{7, 0, 3},
                                         FffCase{7, 1, 1}, FffCase{7, 11, 3}, FffCase{100, 0, 1},
                                         FffCase{100, 1, 3}, FffCase{100, 11, 1}, FffCase{768, 0, 3},
                                         FffCase{768, 1, 1}, FffCase{768, 11, 1}, FffCase{768, 11, 3},
                                         FffCase{33, 4, 1}, FffCase{100, 5, 2}, FffCase{130, 6, 2},
                                         FffCase{1024, 6, 1},  // depths 4..6: a partial last round
                                         FffCase{1500, 3, 2}),  // beyond the register-resident sizes
                         case_name);

template <typename Function>
std::string error_of(Function&& function) {
  try {
    function();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(FffCudaErrors, NamesTheProblem) {
  std::mt19937 rng(7);
  const ops::FffLayer layer = ops::random_fff_layer({7, 1, 1}, rng);
  FffWeights bad = layer.view();
  bad.w_in = bad.w_in.first(20);
  EXPECT_EQ(error_of([&] { make_fff_cuda_kernel(FffCudaImpl::native, bad); }),
            "FFF w_in has 20 values, the shape implies 21");
  const auto kernel = make_fff_cuda_kernel(FffCudaImpl::native, layer.view());
  std::vector<float> x(13), y(14);
  EXPECT_EQ(error_of([&] { kernel->forward(x, 2, y); }), "CUDA FFF input has 13 values, the shape implies 14");
  EXPECT_EQ(error_of([&] { kernel->forward_device(nullptr, 2, nullptr); }),
            "CUDA FFF input is a null device pointer");
  EXPECT_EQ(error_of([&] { kernel->forward_device(nullptr, -1, nullptr); }),
            "CUDA FFF batch must be in 0..2147483647, got -1");
  EXPECT_EQ(error_of([] { bench::parse_cuda_fff_form("cuda_fast"); }),
            "unknown CUDA FFF implementation 'cuda_fast' (expected cuda_naive, cuda_bmm or cuda_native)");
  EXPECT_EQ(bench::parse_cuda_fff_form("cuda_bmm"), bench::CudaFffForm::bmm);
}

}  // namespace
}  // namespace ufb::ops

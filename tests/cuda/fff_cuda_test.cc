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
#include "ufb/cuda/device.h"
#include "ufb/error.h"
#include "cuda/cuda_kernel_forms.h"
#include "cuda/host_arrays.h"
#include "ops/cuda_backend.h"

namespace ufb::ops {
namespace {

using testing_cuda::forward_from_host;

const Device kGpu{Device::Kind::cuda, 0};

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
    std::vector<std::unique_ptr<FffKernel>> kernels;
    std::vector<std::string> names;
    for (const bench::CudaFffForm form : bench::all_cuda_fff_forms()) {
      kernels.push_back(bench::make_cuda_fff_form(form, layer.view(), weight_type, kGpu));  // rounds by itself
      names.emplace_back(to_string(form));
    }
    // cuda_native's two paths at every batch (by default batch 1 and 5 take the block-per-token
    // path, 1000 the warp-per-token one).
    kernels.push_back(make_cuda_fff(layer.view(), weight_type, kGpu, {0}));
    names.emplace_back("cuda_native warp per token");
    kernels.push_back(make_cuda_fff(layer.view(), weight_type, kGpu, {INT64_MAX}));
    names.emplace_back("cuda_native block per token");
    for (const int64_t batch : {1, 5, 1000}) {
      const std::vector<float> x = ops::tokens_with_routing_margin(expected_layer.view(), batch, kLogitMargin, rng, batch);
      std::vector<float> expected(x.size());
      std::vector<int32_t> expected_leaves(batch * c.trees);
      reference->forward(x, batch, expected, expected_leaves);
      for (size_t k = 0; k < kernels.size(); ++k) {
        const FffKernel& kernel = *kernels[k];
        SCOPED_TRACE(names[k] + " " + std::string(to_string(weight_type)) + " batch " + std::to_string(batch));
        std::vector<float> y(x.size(), NAN);
        std::vector<int32_t> leaves(expected_leaves.size(), -1);
        forward_from_host(kernel, x, batch, y, leaves);
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
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::native, bad, WeightType::f32, kGpu); }),
            "FFF w_in has 20 values, the shape implies 21");
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::reference, layer.view(), WeightType::f32, kGpu); }),
            "FFF implementation 'reference' runs on the CPU only ('native' runs on cuda:0)");
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::native, layer.view(), WeightType::int8, kGpu); }),
            "FFF implementation 'native' takes f32 or bf16 weights on cuda:0, not int8");
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::native, layer.view(), WeightType::f32, {Device::Kind::cuda, 99}); }),
            "device cuda:99: this machine has " + std::to_string(cuda::device_count()) + " CUDA GPU" +
                (cuda::device_count() == 1 ? "" : "s") + ", numbered from 0");
  const auto kernel = make_fff_kernel(FffImpl::native, layer.view(), WeightType::f32, kGpu);
  EXPECT_EQ(kernel->device(), kGpu);
  std::vector<float> x(13), y(14);
  EXPECT_EQ(error_of([&] { forward_from_host(*kernel, x, 2, y); }), "FFF input has 13 values, the shape implies 14");
  EXPECT_EQ(error_of([&] { kernel->forward({}, -1, {}); }), "FFF batch must be >= 0, got -1");
  FffPaths<float> paths;
  std::vector<float> x2(14), y2(14);
  EXPECT_EQ(error_of([&] { kernel->forward(x2, 2, y2, {}, &paths); }),
            "FFF paths are recorded by CPU kernels only, not on cuda:0");
  EXPECT_EQ(error_of([] { bench::parse_cuda_fff_form("cuda_fast"); }),
            "unknown CUDA FFF implementation 'cuda_fast' (expected cuda_naive, cuda_bmm or cuda_native)");
  EXPECT_EQ(bench::parse_cuda_fff_form("cuda_bmm"), bench::CudaFffForm::bmm);
}

// The neuron-major W_out that training keeps gives the same layer on the GPU.
TEST(FffCuda, ReadsNeuronMajorOutputWeights) {
  std::mt19937 rng(11);
  const ops::FffLayer layer = ops::random_fff_layer({33, 5, 2}, rng);
  const FffShape& shape = layer.view().shape;
  std::vector<float> rows(layer.view().w_out.size());
  for (int64_t h = 0; h < shape.hidden; ++h) {
    for (int64_t n = 0; n < shape.neurons(); ++n) rows[n * shape.hidden + h] = layer.view().w_out[h * shape.neurons() + n];
  }
  FffWeights neuron_major = layer.view();
  neuron_major.w_out = rows;
  neuron_major.w_out_layout = FffOutputLayout::neuron_major;
  const int64_t batch = 9;
  const std::vector<float> x = ops::tokens_with_routing_margin(layer.view(), batch, kLogitMargin, rng, batch);
  std::vector<float> expected(x.size()), y(x.size(), NAN);
  std::vector<int32_t> expected_leaves(batch * shape.trees), leaves(expected_leaves.size(), -1);
  make_fff_kernel(FffImpl::reference, layer.view())->forward(x, batch, expected, expected_leaves);
  forward_from_host(*make_fff_kernel(FffImpl::native, neuron_major, WeightType::f32, kGpu), x, batch, y, leaves);
  EXPECT_EQ(leaves, expected_leaves);
  EXPECT_LE(ops::relative_error(y, expected), kTolerance);
}

}  // namespace
}  // namespace ufb::ops

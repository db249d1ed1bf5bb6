#include "ufb/ops/dense_ff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"
#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/ops/gelu.h"

namespace ufb::ops {
namespace {

using tokenizer::error_of;

constexpr double kTolerance = 3e-5;

struct DenseCase {
  int64_t hidden;
  int64_t width;
  int64_t batch;
  bool biases;
};

void PrintTo(const DenseCase& c, std::ostream* os) { *os << "{hidden " << c.hidden << ", width " << c.width << ", batch " << c.batch << (c.biases ? ", biases}" : "}"); }

std::string case_name(const ::testing::TestParamInfo<DenseCase>& info) {
  const DenseCase& c = info.param;
  return "hidden" + std::to_string(c.hidden) + "_width" + std::to_string(c.width) + "_batch" +
         std::to_string(c.batch) + (c.biases ? "_biases" : "_nobias");
}

class DenseFfVariants : public ::testing::TestWithParam<DenseCase> {};

TEST_P(DenseFfVariants, EveryVariantMatchesTheReference) {
  const DenseCase& c = GetParam();
  std::mt19937 rng(static_cast<unsigned>(c.hidden * 7 + c.width * 3 + c.batch));
  const DenseFfLayer layer = random_dense_ff_layer({c.hidden, c.width}, c.biases, rng);
  const std::vector<float> x = random_tokens(c.batch, c.hidden, rng);
  std::vector<float> expected(x.size());
  make_dense_ff_kernel(DenseFfImpl::reference, layer.view())->forward(x, c.batch, expected);
  for (DenseFfImpl impl : all_dense_ff_impls()) {
    SCOPED_TRACE(std::string(to_string(impl)));
    std::vector<float> actual(x.size(), -7.0f);
    const auto kernel = make_dense_ff_kernel(impl, layer.view());
    kernel->forward(x, c.batch, actual);
    EXPECT_LE(relative_error(actual, expected), kTolerance);
    kernel->forward(x, c.batch, actual);  // a second call reuses prepared state
    EXPECT_LE(relative_error(actual, expected), kTolerance);
  }
}

std::vector<DenseCase> awkward_cases() {
  std::vector<DenseCase> cases;
  for (int64_t hidden : {1, 7, 100, 768}) {
    for (int64_t width : {1, 37, 300}) {
      for (int64_t batch : {1, 5, 1000}) {
        if (hidden == 768 && batch == 1000) continue;  // covered at batch 5; keeps the oracle quick
        for (bool biases : {false, true}) cases.push_back({hidden, width, batch, biases});
      }
    }
  }
  cases.push_back({768, 3072, 5, false});
  cases.push_back({768, 300, 200, true});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AwkwardSizes, DenseFfVariants, ::testing::ValuesIn(awkward_cases()), case_name);

TEST(Gelu, VectorisedMatchesTheExactErfForm) {
  std::vector<float> values;
  for (float v = -12.0f; v <= 12.0f; v += 0.01f) values.push_back(v);
  values.push_back(0.0f);
  std::vector<float> computed = values;
  bias_gelu_inplace(computed, 1, static_cast<int64_t>(computed.size()), {});
  for (size_t i = 0; i < values.size(); ++i) {
    const double exact = gelu(double{values[i]});
    EXPECT_NEAR(computed[i], exact, 2e-7 * std::max(1.0, std::abs(double{values[i]}))) << values[i];
  }
}

TEST(DenseFfErrors, BadShapesAreNamed) {
  std::mt19937 rng(3);
  DenseFfLayer layer = random_dense_ff_layer({6, 10}, true, rng);
  layer.b_out.resize(5);
  try {
    make_dense_ff_kernel(DenseFfImpl::onednn, layer.view());
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "dense FF b_out has 5 values, the shape implies 6");
  }
  layer.b_out.resize(6);
  const auto kernel = make_dense_ff_kernel(DenseFfImpl::reference, layer.view());
  std::vector<float> x(12), y(11);
  try {
    kernel->forward(x, 2, y);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "dense FF output has 11 values, the shape implies 12");
  }
}

// Each implementation runs on one kind of device; the GPU's is refused in one line naming the
// device where the build or the machine has none.
TEST(DenseFfKernel, RunsOnItsOwnDevice) {
  std::mt19937 rng(8);
  const DenseFfLayer layer = random_dense_ff_layer({6, 10}, true, rng);
  const Device gpu = parse_device("cuda");
  EXPECT_EQ(error_of([&] { make_dense_ff_kernel(DenseFfImpl::onednn, layer.view(), WeightType::f32, gpu); }),
            "dense FF implementation onednn does not run on cuda:0 (cublas does)");
  EXPECT_EQ(error_of([&] { make_dense_ff_kernel(DenseFfImpl::cublas, layer.view()); }),
            "dense FF implementation cublas does not run on cpu (reference and onednn do)");
  EXPECT_EQ(error_of([] { parse_dense_ff_impl("mkl"); }),
            "unknown dense FF implementation 'mkl' (expected reference, onednn or cublas)");
  EXPECT_EQ(parse_dense_ff_impl("cublas"), DenseFfImpl::cublas);
  EXPECT_EQ(std::vector<DenseFfImpl>(all_dense_ff_impls(gpu).begin(), all_dense_ff_impls(gpu).end()),
            std::vector<DenseFfImpl>{DenseFfImpl::cublas});
  try {
    EXPECT_EQ(make_dense_ff_kernel(DenseFfImpl::cublas, layer.view(), WeightType::f32, gpu)->device(), gpu);
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), testing::MatchesRegex("device cuda:0: (this ufb was built without the CUDA backend "
                                                    "\\(configure with -DUFB_CUDA=ON\\)|no CUDA GPU found .*)"));
  }
}

}  // namespace
}  // namespace ufb::ops

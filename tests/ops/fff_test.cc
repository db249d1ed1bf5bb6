#include "ufb/ops/fff.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <tuple>

#include "tokenizer/error_message.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"
#include "ufb/error.h"
#include "ufb/ops/gelu.h"

namespace ufb::ops {
namespace {


constexpr float kRoutingMargin = 1e-3f;
constexpr double kTolerance = 3e-5;

struct FffCase {
  int64_t hidden;
  int depth;
  int64_t trees;
  int64_t batch;
};

void PrintTo(const FffCase& c, std::ostream* os) { *os << "{hidden " << c.hidden << ", depth " << c.depth << ", trees " << c.trees << ", batch " << c.batch << "}"; }

std::string case_name(const ::testing::TestParamInfo<FffCase>& info) {
  const FffCase& c = info.param;
  return "hidden" + std::to_string(c.hidden) + "_depth" + std::to_string(c.depth) + "_trees" +
         std::to_string(c.trees) + "_batch" + std::to_string(c.batch);
}

// Layers are shared by the cases that differ only in batch size.
const FffLayer& cached_layer(const FffShape& shape) {
  static std::map<std::tuple<int64_t, int, int64_t>, FffLayer> layers;
  const auto key = std::make_tuple(shape.hidden, shape.depth, shape.trees);
  auto found = layers.find(key);
  if (found == layers.end()) {
    std::mt19937 rng(static_cast<unsigned>(shape.hidden * 131 + shape.depth * 7 + shape.trees));
    found = layers.emplace(key, random_fff_layer(shape, rng)).first;
  }
  return found->second;
}

struct Outputs {
  std::vector<float> y;
  std::vector<int32_t> leaves;
  FffPaths<float> paths;
};

Outputs run(FffImpl impl, const FffWeights& weights, const std::vector<float>& x, int64_t batch,
            WeightType weight_type = WeightType::f32) {
  const auto kernel = make_fff_kernel(impl, weights, weight_type);
  Outputs out{std::vector<float>(x.size(), -7.0f), std::vector<int32_t>(batch * weights.shape.trees, -1), {}};
  kernel->forward(x, batch, out.y, out.leaves, &out.paths);
  return out;
}

class FffVariants : public ::testing::TestWithParam<FffCase> {};

TEST_P(FffVariants, EveryVariantMatchesTheReference) {
  const FffCase& c = GetParam();
  const FffLayer& layer = cached_layer({c.hidden, c.depth, c.trees});
  std::mt19937 rng(static_cast<unsigned>(c.batch));
  const std::vector<float> x = tokens_with_routing_margin(layer.view(), c.batch, kRoutingMargin, rng);
  const Outputs expected = run(FffImpl::reference, layer.view(), x, c.batch);
  for (FffImpl impl : all_fff_impls()) {
    SCOPED_TRACE(std::string(to_string(impl)));
    const Outputs actual = run(impl, layer.view(), x, c.batch);
    EXPECT_EQ(actual.leaves, expected.leaves);
    EXPECT_EQ(actual.paths.neurons, expected.paths.neurons);
    EXPECT_LE(relative_error(actual.paths.logits, expected.paths.logits), kTolerance);
    EXPECT_LE(relative_error(actual.y, expected.y), kTolerance);
  }
}

TEST_P(FffVariants, Bf16NativeMatchesTheReferenceOnRoundedWeights) {
  const FffCase& c = GetParam();
  const FffLayer rounded = rounded_to_bf16(cached_layer({c.hidden, c.depth, c.trees}));
  std::mt19937 rng(static_cast<unsigned>(c.batch + 1));
  const std::vector<float> x = tokens_with_routing_margin(rounded.view(), c.batch, kRoutingMargin, rng);
  const Outputs expected = run(FffImpl::reference, rounded.view(), x, c.batch);
  // The kernel rounds the unrounded weights itself: the result must equal the rounded reference.
  const Outputs actual = run(FffImpl::native, cached_layer({c.hidden, c.depth, c.trees}).view(), x,
                             c.batch, WeightType::bf16);
  EXPECT_EQ(actual.leaves, expected.leaves);
  EXPECT_LE(relative_error(actual.y, expected.y), kTolerance);
}

// The int8 kernel's logits come from exact integer sums and one shared fff_int8_logit, so its
// routing and logits equal the int8 reference's bit for bit on any input: no routing margin.
void expect_int8_native_equals_reference(const FffCase& c, const FffLayer& layer, unsigned seed) {
  std::mt19937 rng(seed);
  const std::vector<float> x = random_tokens(c.batch, c.hidden, rng);
  const Outputs expected = run(FffImpl::reference, layer.view(), x, c.batch, WeightType::int8);
  const Outputs actual = run(FffImpl::native, layer.view(), x, c.batch, WeightType::int8);
  EXPECT_EQ(actual.leaves, expected.leaves);
  EXPECT_EQ(actual.paths.neurons, expected.paths.neurons);
  EXPECT_EQ(actual.paths.logits, expected.paths.logits);
  EXPECT_LE(relative_error(actual.y, expected.y), kTolerance);
}

TEST_P(FffVariants, Int8NativeRoutesExactlyAsTheInt8Reference) {
  const FffCase& c = GetParam();
  expect_int8_native_equals_reference(c, cached_layer({c.hidden, c.depth, c.trees}), static_cast<unsigned>(c.batch + 2));
}

TEST(FffNativeInt8, RoutesExactlyAsTheInt8ReferenceOnRandomAwkwardShapes) {
  std::mt19937 rng(16);
  for (int draw = 0; draw < 40; ++draw) {
    const FffCase c{2 * std::uniform_int_distribution<int64_t>(0, 200)(rng) + 1,
                    std::uniform_int_distribution<int>(0, 11)(rng), std::uniform_int_distribution<int64_t>(1, 4)(rng),
                    std::uniform_int_distribution<int64_t>(1, 37)(rng)};
    SCOPED_TRACE(::testing::PrintToString(c));
    expect_int8_native_equals_reference(c, random_fff_layer({c.hidden, c.depth, c.trees}, rng), rng());
  }
}

// The int8 reference against float32: tokens far from every branch point take the float32 paths,
// and the outputs differ by the quantization error only (codes of 8 bits: well under 3 %).
TEST(FffInt8Reference, StaysCloseToFloat32) {
  std::mt19937 rng(3);
  const FffLayer layer = random_fff_layer({200, 6, 2}, rng);
  const int64_t batch = 20;
  const std::vector<float> x = tokens_with_routing_margin(layer.view(), batch, 0.3f, rng);
  const Outputs f32 = run(FffImpl::reference, layer.view(), x, batch);
  const Outputs int8 = run(FffImpl::reference, layer.view(), x, batch, WeightType::int8);
  EXPECT_EQ(int8.leaves, f32.leaves);
  const double error = relative_error(int8.y, f32.y);
  EXPECT_GT(error, 0.0);  // quantized indeed
  EXPECT_LE(error, 0.03);
}

std::vector<FffCase> awkward_cases() {
  std::vector<FffCase> cases;
  for (int64_t hidden : {1, 7, 100, 768}) {
    for (int depth : {0, 1, 11}) {
      for (int64_t trees : {1, 3}) {
        for (int64_t batch : {1, 5, 1000}) cases.push_back({hidden, depth, trees, batch});
      }
    }
  }
  return cases;
}

INSTANTIATE_TEST_SUITE_P(AwkwardSizes, FffVariants, ::testing::ValuesIn(awkward_cases()), case_name);

// Both layouts of W_out pack into the same node blocks, so the outputs are the same bits.
TEST(FffNative, ReadsNeuronMajorOutputWeights) {
  std::mt19937 rng(3);
  const FffShape shape{37, 5, 3};
  const FffLayer layer = random_fff_layer(shape, rng);
  const int64_t neurons = shape.neurons();
  std::vector<float> w_out_rows(layer.w_out.size());
  for (int64_t h = 0; h < shape.hidden; ++h) {
    for (int64_t n = 0; n < neurons; ++n) w_out_rows[n * shape.hidden + h] = layer.w_out[h * neurons + n];
  }
  const FffWeights neuron_major{shape, layer.w_in, layer.b_in, w_out_rows, FffOutputLayout::neuron_major};
  const int64_t batch = 40;
  const std::vector<float> x = tokens_with_routing_margin(layer.view(), batch, kRoutingMargin, rng);
  for (WeightType weight_type : {WeightType::f32, WeightType::bf16, WeightType::int8}) {
    const Outputs expected = run(FffImpl::native, layer.view(), x, batch, weight_type);
    const Outputs actual = run(FffImpl::native, neuron_major, x, batch, weight_type);
    EXPECT_EQ(actual.y, expected.y);
    EXPECT_EQ(actual.paths.neurons, expected.paths.neurons);
    EXPECT_EQ(actual.paths.logits, expected.paths.logits);
  }
}

TEST(FffReferencePath, FollowsTheSignOfEachLogitAndGoesLeftOnZero) {
  // hidden 1, depth 2: logit = x·w + b with w = 1 everywhere, so the biases steer the token.
  FffLayer layer{{1, 2, 1}, std::vector<float>(7, 1.0f), {0.0f, -5.0f, 5.0f, 0, 0, 0, 0}, std::vector<float>(7, 1.0f)};
  const std::vector<float> token = {2.0f};  // root logit 2 > 0: right to node 2, logit 7 > 0: to 6
  const auto path = fff_reference_path(layer.view(), token, 0);
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(path[0].node, 0);
  EXPECT_EQ(path[1].node, 2);
  EXPECT_EQ(path[2].node, 6);
  const std::vector<float> zero = {0.0f};  // root logit exactly 0 goes left
  EXPECT_EQ(fff_reference_path(layer.view(), zero, 0)[1].node, 1);
}

TEST(FffReference, SumsGeluOfEveryVisitedNodeTimesItsOutputColumn) {
  // depth 1, hidden 1: root logit 1 → right child (node 2), whose logit is 1 + 0.5.
  FffLayer layer{{1, 1, 1}, {1.0f, 1.0f, 1.0f}, {0.0f, 0.0f, 0.5f}, {2.0f, 100.0f, 3.0f}};
  const std::vector<float> x = {1.0f};
  const Outputs out = run(FffImpl::reference, layer.view(), x, 1);
  EXPECT_NEAR(out.y[0], 2.0 * gelu(1.0) + 3.0 * gelu(1.5), 1e-6);
  EXPECT_EQ(out.leaves[0], 2);
}

using tokenizer::error_of;

TEST(FffErrors, BadShapesAndArgumentsAreNamed) {
  std::mt19937 rng(1);
  const FffLayer layer = random_fff_layer({8, 2, 1}, rng);
  FffWeights too_deep = layer.view();
  too_deep.shape.depth = 3;
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::native, too_deep); }),
            "FFF w_in has 56 values, the shape implies 120");
  FffWeights depth_17 = layer.view();
  depth_17.shape.depth = 17;
  EXPECT_EQ(error_of([&] { validate(depth_17); }), "FFF depth must be in 0..16, got 17");
  FffWeights short_bias = layer.view();
  short_bias.b_in = short_bias.b_in.first(3);
  EXPECT_EQ(error_of([&] { validate(short_bias); }), "FFF b_in has 3 values, the shape implies 7");

  const auto kernel = make_fff_kernel(FffImpl::native, layer.view());
  std::vector<float> x(16), y(16);
  EXPECT_EQ(error_of([&] { kernel->forward(x, 3, y); }), "FFF input has 16 values, the shape implies 24");
  std::vector<int32_t> leaves(5);
  EXPECT_EQ(error_of([&] { kernel->forward(x, 2, y, leaves); }), "FFF leaves has 5 values, the shape implies 2");
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::reference, layer.view(), WeightType::bf16); }),
            "FFF implementation 'reference' supports f32 and int8 weights (bf16 is available in 'native')");
  FffWeights neuron_major = layer.view();
  neuron_major.w_out_layout = FffOutputLayout::neuron_major;
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::reference, neuron_major); }),
            "FFF implementation 'reference' reads W_out only as [hidden, neurons] ([neurons, hidden] is "
            "available in 'native')");
  EXPECT_EQ(error_of([] { parse_fff_impl("fast"); }), "unknown FFF implementation 'fast' (expected reference or native)");
}

// Where the build or the machine has no GPU, a GPU kernel is refused in one line naming the
// device; where both have one, the kernel is made on it. `reference` is the CPU's alone.
TEST(FffKernel, OnAGpuIsMadeThereOrRefusedWithTheReason) {
  std::mt19937 rng(4);
  const FffLayer layer = random_fff_layer({6, 2, 1}, rng);
  const Device gpu = parse_device("cuda");
  try {
    EXPECT_EQ(make_fff_kernel(FffImpl::native, layer.view(), WeightType::f32, gpu)->device(), gpu);
  } catch (const Error& error) {
    EXPECT_THAT(error.what(), testing::MatchesRegex("device cuda:0: (this ufb was built without the CUDA backend "
                                                    "\\(configure with -DUFB_CUDA=ON\\)|no CUDA GPU found .*)"));
  }
  EXPECT_EQ(error_of([&] { make_fff_kernel(FffImpl::reference, layer.view(), WeightType::f32, gpu); }),
            "FFF implementation 'reference' runs on the CPU only ('native' runs on cuda:0)");
  EXPECT_EQ(make_fff_kernel(FffImpl::native, layer.view())->device(), Device{});
}

TEST(FffKernel, EmptyBatchIsANoOp) {
  std::mt19937 rng(2);
  const FffLayer layer = random_fff_layer({4, 1, 2}, rng);
  for (FffImpl impl : all_fff_impls()) {
    EXPECT_NO_THROW(make_fff_kernel(impl, layer.view())->forward({}, 0, {}));
  }
}

}  // namespace
}  // namespace ufb::ops

// Stage 1 of distillation: FFF trees grown and solved to reproduce a feedforward block's map.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ufb/error.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/gelu.h"
#include "ufb/train/fff_fit.h"

namespace ufb::train {
namespace {

std::vector<float> normal_values(size_t count, uint32_t seed, float scale = 1.0f) {
  std::mt19937 engine(seed);
  std::normal_distribution<float> normal(0.0f, scale);
  std::vector<float> values(count);
  for (float& v : values) v = normal(engine);
  return values;
}

FffLayer random_layer(int64_t hidden, int depth, int64_t trees, uint32_t seed) {
  FffLayer layer;
  layer.shape = {hidden, depth, trees};
  const int64_t neurons = layer.shape.neurons();
  layer.w_in = normal_values(neurons * hidden, seed, 1.0f / std::sqrt(float(hidden)));
  layer.b_in = normal_values(neurons, seed + 1, 0.3f);
  layer.w_out_rows = normal_values(neurons * hidden, seed + 2);
  layer.b_out = normal_values(hidden, seed + 3);
  return layer;
}

// A dense GELU block with biases, as BERT's feedforward: y = W2 · GELU(W1 x + b1) + b2.
FeedforwardSamples dense_block_samples(int64_t rows, int64_t hidden, int64_t width, uint32_t seed) {
  const std::vector<float> w1 = normal_values(width * hidden, seed, 1.0f / std::sqrt(float(hidden)));
  const std::vector<float> b1 = normal_values(width, seed + 1, 0.5f);
  const std::vector<float> w2 = normal_values(hidden * width, seed + 2, 1.0f / std::sqrt(float(width)));
  FeedforwardSamples samples{rows, hidden, normal_values(rows * hidden, seed + 3), std::vector<float>(rows * hidden)};
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < width; ++j) {
      double logit = b1[j];
      for (int64_t h = 0; h < hidden; ++h) logit += w1[j * hidden + h] * samples.x[r * hidden + h];
      const double activation = ops::gelu(logit);
      for (int64_t h = 0; h < hidden; ++h) samples.y[r * hidden + h] += static_cast<float>(activation * w2[h * width + j]);
    }
  }
  return samples;
}

// The layer's output the plain way: the reference path of every tree (ops/fff.h) and the
// neuron-major W_out rows.
std::vector<float> reference_outputs(const FffLayer& layer, std::span<const float> x, int64_t rows) {
  const int64_t hidden = layer.shape.hidden;
  // The reference reads W_out as the checkpoint stores it, [hidden, neurons].
  std::vector<float> w_out(layer.w_out_rows.size());
  const int64_t neurons = layer.shape.neurons();
  for (int64_t n = 0; n < neurons; ++n) {
    for (int64_t h = 0; h < hidden; ++h) w_out[h * neurons + n] = layer.w_out_rows[n * hidden + h];
  }
  const ops::FffWeights weights{layer.shape, layer.w_in, layer.b_in, w_out, ops::FffOutputLayout::hidden_major};
  std::vector<float> y(rows * hidden);
  for (int64_t r = 0; r < rows; ++r) {
    const std::span<const float> token = x.subspan(r * hidden, hidden);
    for (int64_t h = 0; h < hidden; ++h) y[r * hidden + h] = layer.b_out[h];
    for (int64_t tree = 0; tree < layer.shape.trees; ++tree) {
      for (const ops::FffStep& step : ops::fff_reference_path(weights, token, tree)) {
        const int64_t neuron = tree * layer.shape.nodes_per_tree() + step.node;
        for (int64_t h = 0; h < hidden; ++h) {
          y[r * hidden + h] += ops::gelu(step.logit) * layer.w_out_rows[neuron * hidden + h];
        }
      }
    }
  }
  return y;
}

TEST(FffFit, LayerOutputsFollowTheModelsFffSemantics) {
  const FffLayer layer = random_layer(13, 3, 2, 7);
  const std::vector<float> x = normal_values(37 * 13, 8);
  const std::vector<float> got = fff_layer_outputs(layer, x, 37);
  const std::vector<float> want = reference_outputs(layer, x, 37);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-4f * (1.0f + std::abs(want[i]))) << i;
}

TEST(FffFit, LeastSquaresRecoversTheOutputWeightsOfAKnownRouting) {
  const FffLayer truth = random_layer(9, 2, 3, 11);
  FeedforwardSamples samples{600, 9, normal_values(600 * 9, 12), {}};
  samples.y = fff_layer_outputs(truth, samples.x, samples.rows);
  FffLayer solved = truth;
  std::fill(solved.w_out_rows.begin(), solved.w_out_rows.end(), 0.0f);
  std::fill(solved.b_out.begin(), solved.b_out.end(), 0.0f);
  solve_fff_outputs(samples, 1e-10, solved);
  for (size_t i = 0; i < truth.w_out_rows.size(); ++i) EXPECT_NEAR(solved.w_out_rows[i], truth.w_out_rows[i], 2e-3) << i;
  for (size_t i = 0; i < truth.b_out.size(); ++i) EXPECT_NEAR(solved.b_out[i], truth.b_out[i], 2e-3) << i;
  EXPECT_LT(unexplained_variance(solved, samples), 1e-6);
}

TEST(FffFit, EveryNodeCutsItsTokensAtTheMedianWithUnitSpread) {
  const FeedforwardSamples samples = dense_block_samples(1001, 11, 40, 21);
  const FffLayer layer = fit_fff(samples, {3, 1, 1e-3, 30});
  // The root sees every token: half go right, and its logits have unit root-mean-square spread.
  int64_t right = 0;
  double squares = 0.0;
  for (int64_t r = 0; r < samples.rows; ++r) {
    double logit = layer.b_in[0];
    for (int64_t h = 0; h < samples.hidden; ++h) logit += layer.w_in[h] * samples.x[r * samples.hidden + h];
    right += logit > 0.0;
    squares += logit * logit;
  }
  EXPECT_NEAR(static_cast<double>(right), 500.0, 1.0);
  EXPECT_NEAR(std::sqrt(squares / static_cast<double>(samples.rows)), 1.0, 1e-3);
}

TEST(FffFit, DeeperTreesAndMoreTreesExplainMoreOfADenseBlock) {
  const FeedforwardSamples samples = dense_block_samples(4000, 16, 64, 31);
  const double shallow = unexplained_variance(fit_fff(samples, {1, 1, 1e-3, 30}), samples);
  const double deep = unexplained_variance(fit_fff(samples, {4, 1, 1e-3, 30}), samples);
  const double forest = unexplained_variance(fit_fff(samples, {4, 4, 1e-3, 30}), samples);
  EXPECT_LT(shallow, 0.9);
  EXPECT_LT(deep, shallow);
  EXPECT_LT(forest, deep);
}

TEST(FffFit, RefusesSamplesThatDoNotFit) {
  FeedforwardSamples samples = dense_block_samples(10, 4, 8, 41);
  EXPECT_THROW(fit_fff(samples, {3, 1, 1e-3, 30}), Error);  // 10 rows for 8 leaves
  samples.y.pop_back();
  EXPECT_THROW(fit_fff(samples, {1, 1, 1e-3, 30}), Error);
  EXPECT_THROW(fit_fff(dense_block_samples(64, 4, 8, 42), {1, 0, 1e-3, 30}), Error);
}

}  // namespace
}  // namespace ufb::train

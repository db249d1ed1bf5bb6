// Every backward op against central differences in float64 on small, awkward shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "train/grad_check.h"
#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/ops/attention.h"
#include "ufb/ops/compare.h"
#include "ops/embedding.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/gelu.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "ufb/ops/synthetic.h"
#include "train/dropout.h"
#include "train/embedding.h"
#include "train/feedforward.h"
#include "train/losses.h"

namespace ufb::train {
namespace {

using testing::expect_gradient_close;
using testing::numeric_gradient;
using testing::random_values;
using testing::weighted_sum;
using Values = std::vector<double>;

TEST(OpGradients, LinearWithBias) {
  std::mt19937 rng(1);
  const int64_t rows = 3, in = 5, out = 4;
  Values x = random_values(rows * in, rng), weight = random_values(out * in, rng),
         bias = random_values(out, rng);
  const Values upstream = random_values(rows * out, rng);
  const auto loss = [&] {
    Values y(rows * out);
    ops::linear({in, out, weight, bias}, x, rows, y);
    return weighted_sum(y, upstream);
  };
  Values dx(x.size(), 0.0), dweight(weight.size(), 0.0), dbias(bias.size(), 0.0);
  ops::linear_backward({in, out, weight, bias}, x, rows, upstream, dx, {dweight, dbias});
  expect_gradient_close("linear x", dx, numeric_gradient(x, loss));
  expect_gradient_close("linear weight", dweight, numeric_gradient(weight, loss));
  expect_gradient_close("linear bias", dbias, numeric_gradient(bias, loss));
}

TEST(OpGradients, LinearAccumulatesIntoOutput) {
  const Values x = {1, 2}, weight = {3, 4};
  Values y = {10};
  ops::linear({2, 1, weight, {}}, x, 1, y, ops::LinearOutput::accumulate);
  EXPECT_EQ(y[0], 10 + 3 + 8);
}

TEST(OpGradients, LayerNorm) {
  std::mt19937 rng(2);
  const int64_t rows = 3, width = 7;
  Values x = random_values(rows * width, rng, 2.0), weight = random_values(width, rng),
         bias = random_values(width, rng);
  const Values upstream = random_values(rows * width, rng);
  const auto loss = [&] {
    Values y(x.size());
    ops::layer_norm(x, rows, weight, bias, 1e-5, y);
    return weighted_sum(y, upstream);
  };
  Values y(x.size());
  ops::LayerNormStats stats;
  ops::layer_norm(x, rows, weight, bias, 1e-5, y, &stats);
  Values dx(x.size(), 0.0), dweight(width, 0.0), dbias(width, 0.0);
  ops::layer_norm_backward(x, rows, weight, stats, upstream, dx, dweight, dbias);
  expect_gradient_close("layer norm x", dx, numeric_gradient(x, loss));
  expect_gradient_close("layer norm weight", dweight, numeric_gradient(weight, loss));
  expect_gradient_close("layer norm bias", dbias, numeric_gradient(bias, loss));
}

TEST(OpGradients, SinusoidalEmbeddingWithFrozenPaddingRow) {
  std::mt19937 rng(3);
  const int64_t vocab = 6, hidden = 5, length = 4;
  const std::vector<int32_t> ids = {1, 0, 3, 3, 5, 2, 0, 1};  // two sequences, id 0 is padding
  Values words = random_values(vocab * hidden, rng);
  const std::vector<float> table = ops::sinusoidal_positions(length, hidden);
  const Values positions(table.begin(), table.end());
  Values scale = {0.7};
  const Values upstream = random_values(ids.size() * hidden, rng);
  const auto loss = [&] {
    Values out(upstream.size());
    embedding_forward<double>({.hidden = hidden, .words = words, .positions = positions, .scale = scale[0], .types = {}}, ids, length, out);
    return weighted_sum(out, upstream);
  };
  Values dwords(words.size(), 0.0), dscale = {0.0};
  embedding_backward<double>({.hidden = hidden, .words = words, .positions = positions, .scale = scale[0], .types = {}}, ids, length, upstream,
                             {dwords, {}, &dscale[0], 0, {}});
  Values numeric = numeric_gradient(words, loss);
  EXPECT_TRUE(std::all_of(dwords.begin(), dwords.begin() + hidden, [](double g) { return g == 0; }));
  std::fill(numeric.begin(), numeric.begin() + hidden, 0.0);  // padding_idx: no gradient
  expect_gradient_close("embedding words", dwords, numeric);
  expect_gradient_close("embedding scale", dscale, numeric_gradient(scale, loss));
}

TEST(OpGradients, LearnedPositionEmbedding) {
  std::mt19937 rng(4);
  const int64_t vocab = 4, hidden = 3, length = 3;
  const std::vector<int32_t> ids = {1, 2, 3, 3, 0, 1};
  Values words = random_values(vocab * hidden, rng), positions = random_values(5 * hidden, rng);
  const Values upstream = random_values(ids.size() * hidden, rng);
  const auto loss = [&] {
    Values out(upstream.size());
    embedding_forward<double>({.hidden = hidden, .words = words, .positions = positions, .scale = 1.0, .types = {}}, ids, length, out);
    return weighted_sum(out, upstream);
  };
  Values dwords(words.size(), 0.0), dpositions(positions.size(), 0.0);
  embedding_backward<double>({.hidden = hidden, .words = words, .positions = positions, .scale = 1.0, .types = {}}, ids, length, upstream,
                             {.words = dwords, .positions = dpositions, .scale = nullptr, .frozen_id = std::nullopt, .types = {}});
  expect_gradient_close("embedding words", dwords, numeric_gradient(words, loss));
  expect_gradient_close("embedding positions", dpositions, numeric_gradient(positions, loss));
}

TEST(OpGradients, EmbeddingRejectsIdOutsideVocabulary) {
  const Values words(6), positions(6);
  Values out(4);
  const std::vector<int32_t> ids = {1, 3};
  EXPECT_EQ(tokenizer::error_of([&] { embedding_forward<double>({.hidden = 2, .words = words, .positions = positions, .scale = 1.0, .types = {}}, ids, 2, out); }),
            "embedding: token id 3 at row 1 is outside the vocabulary of 3");
}

void check_attention(bool with_dropout) {
  std::mt19937 rng(5);
  const ops::AttentionShape shape{2, 3};
  const std::vector<ops::AttentionSequence> sequences = {{0, 4, 4}, {4, 4, 2}, {8, 4, 3}};
  const int64_t rows = 12;
  const double scale = 0.45;
  Values qkv = random_values(rows * 3 * shape.hidden(), rng);
  Values scales;
  if (with_dropout) {
    scales.resize(ops::attention_probability_count(shape, sequences));
    dropout_scales<double>(CounterRandom(7), 0, 0.3, scales);
  }
  const Values upstream = random_values(rows * shape.hidden(), rng);
  ops::AttentionState<double> state{scales, {}};
  const auto loss = [&] {
    Values context(upstream.size());
    ops::self_attention(qkv, shape, scale, sequences, context, &state);
    return weighted_sum(context, upstream);
  };
  loss();
  Values dqkv(qkv.size());
  ops::self_attention_backward(qkv, shape, scale, sequences, state, upstream, dqkv);
  expect_gradient_close(with_dropout ? "attention with dropout" : "attention", dqkv,
                        numeric_gradient(qkv, loss));
}

TEST(OpGradients, AttentionWithPaddingMask) { check_attention(false); }
TEST(OpGradients, AttentionWithDropout) { check_attention(true); }

TEST(OpGradients, GeluDerivative) {
  for (const double x : {-3.1, -1.0, -0.2, 0.0, 0.3, 1.7, 4.0}) {
    const double step = 1e-6;
    const double numeric = (ops::gelu(x + step) - ops::gelu(x - step)) / (2 * step);
    EXPECT_NEAR(ops::gelu_derivative(x), numeric, 1e-8) << x;
  }
}

TEST(OpGradients, FastFeedforwardThroughVisitedNodes) {
  const ops::FffShape shape{5, 2, 2};
  const int64_t rows = 3;
  const int64_t neurons = shape.neurons();
  // Draw until no logit lies near 0, so that no perturbation below can flip a branch.
  for (unsigned seed = 6;; ++seed) {
    std::mt19937 rng(seed);
    Values x = random_values(rows * shape.hidden, rng), w_in = random_values(neurons * 5, rng),
           b_in = random_values(neurons, rng), w_out = random_values(neurons * 5, rng);
    const Values upstream = random_values(rows * shape.hidden, rng);
    ops::FffPaths<double> cache;
    const auto loss = [&] {
      Values y(x.size());
      ops::fff_reference({shape, w_in, b_in, w_out}, x, rows, y, &cache);
      return weighted_sum(y, upstream);
    };
    loss();
    if (std::any_of(cache.logits.begin(), cache.logits.end(),
                    [](double l) { return std::abs(l) < 0.05; })) {
      continue;
    }
    Values dx(x.size(), 0.0), dw_in(w_in.size(), 0.0), db_in(b_in.size(), 0.0),
        dw_out(w_out.size(), 0.0);
    ops::fff_backward({shape, w_in, b_in, w_out}, x, rows, cache, upstream, dx,
                      {dw_in, db_in, dw_out});
    expect_gradient_close("FFF x", dx, numeric_gradient(x, loss));
    expect_gradient_close("FFF w_in", dw_in, numeric_gradient(w_in, loss));
    expect_gradient_close("FFF b_in", db_in, numeric_gradient(b_in, loss));
    expect_gradient_close("FFF w_out", dw_out, numeric_gradient(w_out, loss));
    // Unvisited nodes get exactly nothing: 3 tokens visit at most 3 of 4 leaves per tree.
    EXPECT_GT(std::count(db_in.begin(), db_in.end(), 0.0), 0);
    return;
  }
}

TEST(OpGradients, FastFeedforwardRoutesZeroLogitLeft) {
  const ops::FffShape shape{1, 1, 1};
  const Values x = {1.0}, w_in = {0.0, 0.0, 0.0}, b_in = {0.0, 0.0, 0.0}, w_out = {1, 2, 3};
  Values y(1);
  ops::FffPaths<double> cache;
  ops::fff_reference({shape, w_in, b_in, w_out}, x, 1, y, &cache);
  EXPECT_EQ(cache.neurons, (std::vector<int32_t>{0, 1}));
}

TEST(OpGradients, FastFeedforwardBackwardRejectsPathsOfAnotherBatch) {
  const ops::FffShape shape{1, 1, 1};
  const Values x = {1.0, 2.0}, w_in = {1, 1, 1}, b_in = {0, 0, 0}, w_out = {1, 2, 3}, dy = {1.0, 1.0};
  Values y(1), dx(2), dw_in(3), db_in(3), dw_out(3);
  ops::FffPaths<double> one_token;
  ops::fff_reference({shape, w_in, b_in, w_out}, std::span<const double>(x).first(1), 1, y, &one_token);
  EXPECT_EQ(tokenizer::error_of([&] {
              ops::fff_backward({shape, w_in, b_in, w_out}, x, 2, one_token, dy, dx, {dw_in, db_in, dw_out});
            }),
            "FFF paths have 2 nodes and 2 logits, the batch implies 4");
}

TEST(OpGradients, DenseFeedforward) {
  std::mt19937 rng(8);
  const int64_t hidden = 5, width = 7, rows = 3;
  Values x = random_values(rows * hidden, rng), w_in = random_values(width * hidden, rng),
         w_out = random_values(hidden * width, rng);
  const Values upstream = random_values(rows * hidden, rng);
  DenseFfCache<double> cache;
  const auto loss = [&] {
    Values y(x.size());
    dense_ff_forward<double>({.hidden = hidden, .width = width, .w_in = w_in, .w_out = w_out, .b_in = {}, .b_out = {}}, x, rows, y, cache);
    return weighted_sum(y, upstream);
  };
  loss();
  Values dx(x.size(), 0.0), dw_in(w_in.size(), 0.0), dw_out(w_out.size(), 0.0);
  dense_ff_backward<double>({.hidden = hidden, .width = width, .w_in = w_in, .w_out = w_out, .b_in = {}, .b_out = {}}, x, rows, cache, upstream, dx,
                            {.w_in = dw_in, .w_out = dw_out, .b_in = {}, .b_out = {}});
  expect_gradient_close("dense x", dx, numeric_gradient(x, loss));
  expect_gradient_close("dense w_in", dw_in, numeric_gradient(w_in, loss));
  expect_gradient_close("dense w_out", dw_out, numeric_gradient(w_out, loss));
}

TEST(OpGradients, CrossEntropy) {
  std::mt19937 rng(9);
  const int64_t rows = 3, classes = 5;
  Values logits = random_values(rows * classes, rng, 2.0);
  const std::vector<int32_t> labels = {4, 0, 2};
  Values dlogits(logits.size());
  const auto loss = [&] { return cross_entropy<double>(logits, rows, classes, labels, 1.0, dlogits); };
  loss();
  const Values analytic = dlogits;
  expect_gradient_close("cross-entropy", analytic, numeric_gradient(logits, loss));
  // log(5) for uniform logits.
  const Values uniform(classes, 0.3);
  Values unused(classes);
  const std::vector<int32_t> one_label = {1};
  EXPECT_NEAR(cross_entropy<double>(uniform, 1, classes, one_label, 1.0, unused), std::log(5.0), 1e-12);
}

TEST(OpGradients, CrossEntropyRejectsLabelOutsideClasses) {
  const Values logits(4);
  Values dlogits(4);
  const std::vector<int32_t> labels = {0, 2};
  EXPECT_EQ(tokenizer::error_of([&] { cross_entropy<double>(logits, 2, 2, labels, 1.0, dlogits); }),
            "cross-entropy: label 2 of row 1 is outside [0, 2)");
}

TEST(OpGradients, MeanSquaredError) {
  std::mt19937 rng(10);
  Values predictions = random_values(4, rng);
  const Values targets = random_values(4, rng);
  Values dpredictions(4);
  const auto loss = [&] { return mean_squared_error<double>(predictions, targets, 1.0, dpredictions); };
  loss();
  const Values analytic = dpredictions;
  expect_gradient_close("MSE", analytic, numeric_gradient(predictions, loss));
}

TEST(Dropout, DropsTheRequestedFractionRepeatably) {
  std::vector<float> first(100000), second(100000), other_key(100000);
  dropout_scales<float>(CounterRandom(1).child(5), 0, 0.1, first);
  dropout_scales<float>(CounterRandom(1).child(5), 0, 0.1, second);
  dropout_scales<float>(CounterRandom(1).child(6), 0, 0.1, other_key);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other_key);
  const auto dropped = std::count(first.begin(), first.end(), 0.0f);
  EXPECT_NEAR(static_cast<double>(dropped) / first.size(), 0.1, 0.005);
  EXPECT_FLOAT_EQ(*std::max_element(first.begin(), first.end()), 1.0f / 0.9f);
  std::vector<float> none(10);
  dropout_scales<float>(CounterRandom(1), 0, 0.0, none);
  EXPECT_EQ(none, std::vector<float>(10, 1.0f));
}

}  // namespace
}  // namespace ufb::train

namespace ufb::train {
namespace {

// The training forward takes exactly the reference kernel's paths and matches its output.
TEST(FastFeedforwardForward, MatchesTheReferenceKernel) {
  std::mt19937 rng(12);
  const ops::FffShape shape{37, 5, 3};
  const ops::FffLayer layer = ops::random_fff_layer(shape, rng);
  const int64_t rows = 29;
  const std::vector<float> x = ops::tokens_with_routing_margin(layer.view(), rows, 1e-3f, rng);
  std::vector<float> expected(x.size());
  std::vector<int32_t> leaves(rows * shape.trees);
  ops::make_fff_kernel(ops::FffImpl::reference, layer.view())->forward(x, rows, expected, leaves);

  const int64_t neurons = shape.neurons();
  std::vector<float> w_out_rows(layer.w_out.size());
  for (int64_t h = 0; h < shape.hidden; ++h) {
    for (int64_t n = 0; n < neurons; ++n) w_out_rows[n * shape.hidden + h] = layer.w_out[h * neurons + n];
  }
  std::vector<float> y(x.size());
  ops::FffPaths<float> cache;
  fff_forward({shape, layer.w_in, layer.b_in, w_out_rows}, x, rows, y, cache);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t tree = 0; tree < shape.trees; ++tree) {
      const int64_t last = (r * shape.trees + tree) * shape.levels() + shape.depth;
      EXPECT_EQ(cache.neurons[last] - tree * shape.nodes_per_tree(), leaves[r * shape.trees + tree])
          << "row " << r << " tree " << tree;
    }
  }
  EXPECT_LE(ops::relative_error(y, expected), 1e-6);
}

}  // namespace
}  // namespace ufb::train

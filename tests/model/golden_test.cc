// The engine against an independent PyTorch implementation of docs/model.md §2 on tiny random models
// (tools/make_model_goldens.py): FFF and dense feedforward, sinusoidal and learned positions,
// masked-LM and classification heads with both poolers, a padded batch of different lengths.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/goldens.h"
#include "ufb/model/model.h"

namespace ufb::model {
namespace {

using testing::expect_close;
using testing::Goldens;
using testing::model_data;

class ModelGolden : public ::testing::TestWithParam<std::string> {
 protected:
  ModelGolden()
      : model_(model_data(GetParam())), goldens_(model_data(GetParam()) / "goldens.safetensors") {}

  std::string label(const std::string& what) const { return GetParam() + " " + what; }

  Model model_;
  Goldens goldens_;
};

TEST_P(ModelGolden, HiddenStatesAtEveryPositionPaddingIncluded) {
  const HiddenStates states = model_.encode(goldens_.sequences(), PaddingRows::compute);
  EXPECT_EQ(states.mask, goldens_.mask());
  expect_close(label("hidden, all positions"), states.values, goldens_.floats("hidden"));
}

TEST_P(ModelGolden, RealPositionsDoNotDependOnPaddingWork) {
  const HiddenStates states = model_.encode(goldens_.sequences(), PaddingRows::skip);
  const std::vector<int32_t> mask = goldens_.mask();
  const std::vector<float> expected_all = goldens_.floats("hidden");
  std::vector<float> expected(expected_all.size(), 0.0f);  // skipped padding rows stay 0
  for (size_t row = 0; row < mask.size(); ++row) {
    if (mask[row] == 0) continue;
    std::copy_n(expected_all.begin() + row * states.hidden, states.hidden,
                expected.begin() + row * states.hidden);
  }
  expect_close(label("hidden, real positions"), states.values, expected);
}

TEST_P(ModelGolden, ASequenceAloneGivesItsStatesInTheBatch) {
  const std::vector<TokenIds> sequences = goldens_.sequences();
  const HiddenStates batch = model_.encode(sequences);
  const HiddenStates alone = model_.encode(std::span(sequences).subspan(1, 1));
  std::vector<float> expected;
  for (int64_t p = 0; p < alone.length; ++p) {
    const std::span<const float> row = batch.row(1, p);
    expected.insert(expected.end(), row.begin(), row.end());
  }
  expect_close(label("sequence 1 alone"), alone.values, expected, 1e-6);
}

// 30 sequences: more rows than one chunk of the dense kernel and many (sequence, head) tasks.
TEST_P(ModelGolden, ALargeBatchGivesEachSequenceItsOwnStates) {
  const std::vector<TokenIds> golden = goldens_.sequences();
  std::vector<TokenIds> sequences;
  for (int copy = 0; copy < 30; ++copy) {
    TokenIds tokens = golden[copy % golden.size()];
    tokens.resize(1 + copy % tokens.size());
    sequences.push_back(tokens);
  }
  const HiddenStates batch = model_.encode(sequences);
  std::vector<float> actual, expected;
  for (size_t b = 0; b < sequences.size(); ++b) {
    const HiddenStates alone = model_.encode(std::span(sequences).subspan(b, 1));
    expected.insert(expected.end(), alone.values.begin(), alone.values.end());
    for (size_t p = 0; p < sequences[b].size(); ++p) {
      const std::span<const float> row = batch.row(static_cast<int64_t>(b), static_cast<int64_t>(p));
      actual.insert(actual.end(), row.begin(), row.end());
    }
  }
  expect_close(label("30 sequences vs each alone"), actual, expected, 1e-6);
}

TEST_P(ModelGolden, HeadOutputs) {
  const std::vector<TokenIds> sequences = goldens_.sequences();
  if (goldens_.has("mlm_logits")) {
    const std::vector<TokenPosition> positions = goldens_.mlm_positions();
    const std::vector<float> expected = goldens_.floats("mlm_logits");
    expect_close(label("mlm logits"), model_.mlm_logits(sequences, positions), expected);

    const auto predictions = model_.fill_mask(sequences, positions, 3);
    const int64_t vocab = model_.limits().vocab_size;
    ASSERT_EQ(predictions.size(), positions.size());
    for (size_t i = 0; i < positions.size(); ++i) {
      const auto row = expected.begin() + static_cast<int64_t>(i) * vocab;
      ASSERT_EQ(predictions[i].size(), 3u);
      EXPECT_EQ(predictions[i][0].token_id, std::max_element(row, row + vocab) - row);
      EXPECT_GE(predictions[i][0].probability, predictions[i][1].probability);
      EXPECT_GE(predictions[i][1].logit, predictions[i][2].logit);
    }
    return;
  }
  const Classification result = model_.classify(sequences);
  EXPECT_EQ(result.batch, static_cast<int64_t>(sequences.size()));
  expect_close(label("classification logits"), result.logits, goldens_.floats("cls_logits"));
  if (result.num_labels == 1) {
    EXPECT_TRUE(result.probabilities.empty());  // regression
  } else {
    ASSERT_EQ(result.probabilities.size(), result.logits.size());
    float first_row = 0.0f;
    for (int64_t l = 0; l < result.num_labels; ++l) first_row += result.probabilities[l];
    EXPECT_NEAR(first_row, 1.0f, 1e-6);
  }
  const Embeddings features = model_.embed(sequences, EmbeddingPooling::pooler);
  EXPECT_EQ(features.width, model_.config().classification_head.head_dim);
  expect_close(label("pooler features"), features.values, goldens_.floats("pooler_features"));
}

TEST_P(ModelGolden, MeanAndFirstEmbeddingsPoolRealTokens) {
  const std::vector<TokenIds> sequences = goldens_.sequences();
  const std::vector<float> hidden = goldens_.floats("hidden");
  const int64_t width = model_.config().hidden_size;
  const auto length = static_cast<int64_t>(hidden.size()) /
                      (static_cast<int64_t>(sequences.size()) * width);
  std::vector<float> mean, first;
  for (size_t b = 0; b < sequences.size(); ++b) {
    const auto row = [&](size_t p) { return hidden.begin() + (b * length + p) * width; };
    first.insert(first.end(), row(0), row(0) + width);
    for (int64_t h = 0; h < width; ++h) {
      double sum = 0.0;
      for (size_t p = 0; p < sequences[b].size(); ++p) sum += row(p)[h];
      mean.push_back(static_cast<float>(sum / static_cast<double>(sequences[b].size())));
    }
  }
  expect_close(label("mean embedding"), model_.embed(sequences, EmbeddingPooling::mean).values,
               mean);
  expect_close(label("first-token embedding"),
               model_.embed(sequences, EmbeddingPooling::first).values, first);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, ModelGolden,
                         ::testing::Values("fff_mlm", "dense_mlm", "fff_learned_mlm",
                                           "fff_cls_avg", "fff_cls_zero_index"));

}  // namespace
}  // namespace ufb::model

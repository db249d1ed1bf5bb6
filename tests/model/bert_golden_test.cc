// The engine against transformers itself on tiny random BERT checkpoints that transformers saved
// (tools/make_bert_goldens.py, run in float64): BertModel with its pooler, BertForMaskedLM (with
// and without the `bert.` prefix), BertForSequenceClassification single-label, multi-label and
// regression; gelu, gelu_new and relu; pairs with token types 1; a padded batch. And the FFF
// member of the family (tools/make_bert_fff_goldens.py): transformers' BertModel with trees in
// place of each feedforward.
#include <gtest/gtest.h>

#include <cmath>

#include "model/goldens.h"
#include "ufb/model/model.h"

namespace ufb::model {
namespace {

using testing::expect_close;
using testing::Goldens;
using testing::test_data;

class BertGolden : public ::testing::TestWithParam<std::string> {
 protected:
  BertGolden()
      : model_(test_data("bert/" + GetParam())),
        goldens_(test_data("bert/" + GetParam()) / "goldens.safetensors") {}

  std::string label(const std::string& what) const { return GetParam() + " " + what; }

  Model model_;
  Goldens goldens_;
};

TEST_P(BertGolden, HiddenStatesAtEveryPositionPaddingIncluded) {
  const HiddenStates states =
      model_.encode(goldens_.sequences(), PaddingRows::compute, goldens_.token_types());
  expect_close(label("hidden, all positions"), states.values, goldens_.floats("hidden"));
}

TEST_P(BertGolden, TokenTypesChangeTheStates) {
  // A test that passes without token types would not show that they are read.
  const HiddenStates without = model_.encode(goldens_.sequences(), PaddingRows::compute);
  const std::vector<float> expected = goldens_.floats("hidden");
  double largest = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    largest = std::max(largest, std::abs(double{without.values[i]} - expected[i]));
  }
  EXPECT_GT(largest, 1e-2);
}

INSTANTIATE_TEST_SUITE_P(Models, BertGolden,
                         ::testing::Values("mlm_gelu", "mlm_prefix_variant", "base_gelu_new",
                                           "cls_single_relu", "cls_multi_label", "cls_regression",
                                           "fff_base"));

class BertPooler : public BertGolden {};

TEST_P(BertPooler, MatchesTransformers) {
  const Embeddings pooled =
      model_.embed(goldens_.sequences(), EmbeddingPooling::pooler, goldens_.token_types());
  expect_close(label("pooler"), pooled.values, goldens_.floats("pooler_output"));
}

INSTANTIATE_TEST_SUITE_P(Models, BertPooler,
                         ::testing::Values("base_gelu_new", "cls_single_relu", "cls_multi_label",
                                           "cls_regression", "fff_base"));

class BertMaskedLm : public BertGolden {};

TEST_P(BertMaskedLm, LogitsMatchTransformers) {
  const std::vector<float> logits =
      model_.mlm_logits(goldens_.sequences(), goldens_.mlm_positions(), goldens_.token_types());
  expect_close(label("mlm logits"), logits, goldens_.floats("mlm_logits"));
}

INSTANTIATE_TEST_SUITE_P(Models, BertMaskedLm, ::testing::Values("mlm_gelu", "mlm_prefix_variant"));

class BertClassifier : public BertGolden {};

TEST_P(BertClassifier, LogitsAndProbabilitiesMatchTransformers) {
  const Classification result = model_.classify(goldens_.sequences(), goldens_.token_types());
  const std::vector<float> expected = goldens_.floats("logits");
  expect_close(label("classifier logits"), result.logits, expected);
  switch (result.problem_type) {
    case io::ProblemType::kRegression:
      EXPECT_TRUE(result.probabilities.empty());
      break;
    case io::ProblemType::kMultiLabel:
      ASSERT_EQ(result.probabilities.size(), expected.size());
      for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_NEAR(result.probabilities[i], 1.0 / (1.0 + std::exp(-expected[i])), 1e-5);
      }
      break;
    case io::ProblemType::kSingleLabel:
      ASSERT_EQ(result.probabilities.size(), expected.size());
      for (int64_t b = 0; b < result.batch; ++b) {
        double total = 0;
        for (int64_t c = 0; c < result.num_labels; ++c) total += result.probabilities[b * result.num_labels + c];
        EXPECT_NEAR(total, 1.0, 1e-5);
      }
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(Models, BertClassifier,
                         ::testing::Values("cls_single_relu", "cls_multi_label", "cls_regression"));

TEST(BertProblemTypes, ComeFromTheConfig) {
  const std::vector<TokenIds> batch = {{2, 5, 3}};
  EXPECT_EQ(Model(test_data("bert/cls_single_relu")).classify(batch).problem_type,
            io::ProblemType::kSingleLabel);
  EXPECT_EQ(Model(test_data("bert/cls_multi_label")).classify(batch).problem_type,
            io::ProblemType::kMultiLabel);
  EXPECT_EQ(Model(test_data("bert/cls_regression")).classify(batch).problem_type,
            io::ProblemType::kRegression);
}

}  // namespace
}  // namespace ufb::model

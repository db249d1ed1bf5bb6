// Whole-model gradients against central differences in float64, on tiny models of each kind,
// with dropout on (the masks are fixed by the key, so the loss is a deterministic function).
#include <gtest/gtest.h>

#include <algorithm>

#include "model/goldens.h"
#include "train/grad_check.h"
#include "train/trainable_model.h"

namespace ufb::train {
namespace {

struct Variant {
  const char* label;
  io::FeedforwardKind feedforward;
  io::PositionEmbedding positions;
  io::ModelHead head;
  int64_t num_labels;
  io::Pooler pooler;
  // BERT (post-LayerNorm, biases, token types, the masked-LM transform) with this activation.
  bool bert = false;
  ops::Activation activation = ops::Activation::gelu_erf;
};

io::ModelConfig tiny_config(const Variant& variant) {
  io::ModelConfig config = io::read_model_config(
      variant.bert ? testing::test_data("bert/mlm_gelu/config.json") : testing::model_data("fff_mlm/config.json"));
  config.activation = variant.activation;
  config.num_transformer_layers = 2;
  config.hidden_size = 6;
  config.embedding.embedding_dim = 6;
  config.embedding.vocab_size = 9;
  config.embedding.max_seq_length = 7;
  config.embedding.pos_embedding = variant.positions;
  config.attention.num_attention_heads = 2;
  config.intermed_type = variant.feedforward;
  config.intermed_size = variant.feedforward == io::FeedforwardKind::kDense ? 5 : 2;
  config.intermed_depth = variant.feedforward == io::FeedforwardKind::kDense ? 0 : 2;
  // BERT's pooler is as wide as the hidden state.
  config.classification_head.head_dim = variant.bert ? 6 : 4;
  config.classification_head.pooler = variant.pooler;
  if (variant.head == io::ModelHead::kClassification) config.num_labels = variant.num_labels;
  return config;
}

TrainBatch tiny_batch(const Variant& variant) {
  const std::vector<std::vector<int32_t>> sequences = {{3, 5, 8, 1, 2}, {7, 4, 6}};
  // A pair and a single text: types 0 for the first segment, 1 for the second.
  const std::vector<std::vector<int32_t>> types = {{0, 0, 0, 1, 1}, {0, 0, 0}};
  TrainBatch batch = padded_batch(sequences, 0, variant.bert ? std::span(types) : std::span<const std::vector<int32_t>>());
  batch.first_sample = 11;
  if (variant.head == io::ModelHead::kMaskedLm) {
    batch.mlm_labels.assign(batch.rows(), kIgnoredLabel);
    batch.mlm_labels[1] = 4;
    batch.mlm_labels[3] = 8;
    batch.mlm_labels[6] = 2;
  } else if (variant.num_labels == 1) {
    batch.regression_targets = {0.7f, -1.2f};
  } else {
    batch.class_labels = {2, 0};
  }
  return batch;
}

class ModelGradient : public ::testing::TestWithParam<Variant> {};

TEST_P(ModelGradient, MatchesFiniteDifferences) {
  const Variant& variant = GetParam();
  const io::ModelConfig config = tiny_config(variant);
  const DropoutRates dropout{0.1, 0.1, 0.1, 0.1};
  TrainableModel<double> model(config,
                               ParameterSet<double>::initialized(config, variant.head,
                                                                 variant.num_labels, 0.4, 5),
                               dropout);
  const TrainBatch batch = tiny_batch(variant);
  const CounterRandom random = CounterRandom(17).child(3);
  model.parameters().zero_grads();
  const double loss = model.forward_backward(batch, random);
  EXPECT_GT(loss, 0.0);
  const int64_t pad_row_end = config.hidden_size * (config.embedding.pad_token_id + 1);
  // The differences below call forward_backward again, which keeps adding to the gradients.
  std::vector<std::vector<double>> analytic_grads;
  model.parameters().for_each([&](const io::ExpectedTensor&, const Parameter<double>& parameter) {
    analytic_grads.push_back(parameter.grad);
  });
  size_t index = 0;
  model.parameters().for_each([&](const io::ExpectedTensor& tensor, Parameter<double>& parameter) {
    const std::vector<double>& analytic = analytic_grads[index++];
    if (!parameter.trainable) return;
    std::vector<double> numeric = testing::numeric_gradient(parameter.value, [&] {
      return model.forward_backward(batch, random);
    });
    if (tensor.role == io::TensorRole::kWordEmbedding) {
      // padding_idx: the embedding lookup of the padding row gets no gradient; only the tied
      // decoder's share reaches it, which differences cannot separate. Left out here.
      std::fill_n(numeric.begin() + pad_row_end - config.hidden_size, config.hidden_size, 0.0);
      std::vector<double> compared = analytic;
      std::fill_n(compared.begin() + pad_row_end - config.hidden_size, config.hidden_size, 0.0);
      testing::expect_gradient_close(std::string(variant.label) + " " + tensor.name, compared, numeric);
      return;
    }
    testing::expect_gradient_close(std::string(variant.label) + " " + tensor.name, analytic, numeric);
  });
}

INSTANTIATE_TEST_SUITE_P(
    TinyModels, ModelGradient,
    ::testing::Values(
        Variant{"fff mlm", io::FeedforwardKind::kFastFeedforward, io::PositionEmbedding::kScaledSinusoidal,
                io::ModelHead::kMaskedLm, 0, io::Pooler::kAverage},
        Variant{"dense mlm learned", io::FeedforwardKind::kDense, io::PositionEmbedding::kLearned,
                io::ModelHead::kMaskedLm, 0, io::Pooler::kAverage},
        Variant{"fff classification avg", io::FeedforwardKind::kFastFeedforward,
                io::PositionEmbedding::kScaledSinusoidal, io::ModelHead::kClassification, 3,
                io::Pooler::kAverage},
        Variant{"dense regression zero_index", io::FeedforwardKind::kDense,
                io::PositionEmbedding::kScaledSinusoidal, io::ModelHead::kClassification, 1,
                io::Pooler::kZeroIndex},
        Variant{"bert mlm gelu", io::FeedforwardKind::kDense, io::PositionEmbedding::kLearned,
                io::ModelHead::kMaskedLm, 0, io::Pooler::kZeroIndex, true, ops::Activation::gelu_erf},
        Variant{"bert mlm gelu_tanh", io::FeedforwardKind::kDense, io::PositionEmbedding::kLearned,
                io::ModelHead::kMaskedLm, 0, io::Pooler::kZeroIndex, true, ops::Activation::gelu_tanh},
        Variant{"bert classification relu", io::FeedforwardKind::kDense, io::PositionEmbedding::kLearned,
                io::ModelHead::kClassification, 3, io::Pooler::kZeroIndex, true, ops::Activation::relu},
        Variant{"bert regression gelu_tanh", io::FeedforwardKind::kDense, io::PositionEmbedding::kLearned,
                io::ModelHead::kClassification, 1, io::Pooler::kZeroIndex, true, ops::Activation::gelu_tanh},
        Variant{"bert fff mlm", io::FeedforwardKind::kFastFeedforward, io::PositionEmbedding::kLearned,
                io::ModelHead::kMaskedLm, 0, io::Pooler::kZeroIndex, true, ops::Activation::gelu_erf},
        Variant{"bert fff classification", io::FeedforwardKind::kFastFeedforward,
                io::PositionEmbedding::kLearned, io::ModelHead::kClassification, 3, io::Pooler::kZeroIndex,
                true, ops::Activation::relu}),
    [](const ::testing::TestParamInfo<Variant>& info) {
      std::string name = info.param.label;
      std::replace(name.begin(), name.end(), ' ', '_');
      return name;
    });

}  // namespace
}  // namespace ufb::train

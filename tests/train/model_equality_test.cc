// The trainable model's forward pass equals the inference engine's on the golden checkpoints.
#include <gtest/gtest.h>

#include <cmath>

#include "model/goldens.h"
#include "ufb/model/model.h"
#include "ufb/ops/compare.h"
#include "ufb/train/trainable_model.h"

namespace ufb::train {
namespace {

using testing::model_data;

class ModelEquality : public ::testing::TestWithParam<const char*> {};

TEST_P(ModelEquality, HiddenStatesAndLossMatchTheInferenceEngine) {
  const std::string name = GetParam();
  auto checkpoint = std::make_unique<const io::Checkpoint>(model_data(name));
  const io::ModelHead head = checkpoint->head();
  TrainableModel<float> trainable(
      checkpoint->config(),
      ParameterSet<float>::from_checkpoint(*checkpoint, head, checkpoint->num_labels(), 0.02, 1),
      {});
  const model::Model inference(std::move(checkpoint));
  const testing::Goldens goldens(model_data(name + "/goldens.safetensors"));
  const std::vector<model::TokenIds> sequences = goldens.sequences();
  TrainBatch batch = padded_batch(sequences, inference.limits().pad_token_id);

  const model::HiddenStates expected = inference.encode(sequences, model::PaddingRows::compute);
  const std::vector<float> hidden = trainable.hidden_states(batch);
  testing::expect_close(name + " hidden states", hidden, expected.values);

  // The head's loss from the engine's outputs, computed here in double.
  double expected_loss = 0.0;
  if (head == io::ModelHead::kMaskedLm) {
    const std::vector<model::TokenPosition> positions = goldens.mlm_positions();
    const std::vector<float> logits = inference.mlm_logits(sequences, positions);
    const int64_t vocab = inference.limits().vocab_size;
    batch.mlm_labels.assign(batch.rows(), kIgnoredLabel);
    for (size_t i = 0; i < positions.size(); ++i) {
      const int32_t label = static_cast<int32_t>((7 * i + 3) % vocab);
      batch.mlm_labels[positions[i].sequence * batch.length + positions[i].position] = label;
      double sum = 0.0;
      for (int64_t v = 0; v < vocab; ++v) sum += std::exp(double{logits[i * vocab + v]});
      expected_loss += std::log(sum) - logits[i * vocab + label];
    }
    expected_loss /= static_cast<double>(positions.size());
  } else if (const model::Classification result = inference.classify(sequences);
             result.num_labels == 1) {
    for (int64_t b = 0; b < result.batch; ++b) {
      const double target = 0.25 * static_cast<double>(b) - 0.1;
      batch.regression_targets.push_back(static_cast<float>(target));
      expected_loss += std::pow(double{result.logits[b]} - batch.regression_targets.back(), 2);
    }
    expected_loss /= static_cast<double>(result.batch);
  } else {
    for (int64_t b = 0; b < result.batch; ++b) {
      const int32_t label = static_cast<int32_t>(b % result.num_labels);
      batch.class_labels.push_back(label);
      expected_loss -= std::log(double{result.probabilities[b * result.num_labels + label]});
    }
    expected_loss /= static_cast<double>(result.batch);
  }
  EXPECT_NEAR(trainable.loss(batch), expected_loss, 1e-5 * std::abs(expected_loss)) << name;
}

INSTANTIATE_TEST_SUITE_P(GoldenModels, ModelEquality,
                         ::testing::Values("fff_mlm", "dense_mlm", "fff_learned_mlm", "fff_cls_avg",
                                           "fff_cls_zero_index"));

}  // namespace
}  // namespace ufb::train

// A few masked-LM training steps agree with an independent PyTorch implementation
// (tools/make_training_goldens.py): same initial weights, batches and learning rates, no dropout,
// AdamW and gradient clipping as torch does them. BERT's masked-LM, classification and
// regression steps agree with transformers' (tools/make_bert_training_goldens.py) likewise, on
// padded batches of sentence pairs.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/goldens.h"
#include "ufb/ops/compare.h"
#include "ufb/train/adamw.h"
#include "train/trainable_model.h"

namespace ufb::train {
namespace {

class PytorchParity : public ::testing::TestWithParam<const char*> {};

TEST_P(PytorchParity, LossesAndFinalWeightsMatch) {
  const std::filesystem::path dir = std::filesystem::path(UFB_TEST_DATA_DIR) / "train" / GetParam();
  const io::Checkpoint checkpoint(dir);
  TrainableModel<float> model(checkpoint.config(),
                              ParameterSet<float>::from_checkpoint(checkpoint, io::ModelHead::kMaskedLm, 0, 0.02, 0),
                              {});
  AdamW optimizer(model.parameters(), {0.9, 0.98, 1e-12, 0.01});
  const testing::Goldens goldens(dir / "goldens.safetensors");
  const std::vector<int32_t> ids = goldens.ints("input_ids");
  const std::vector<int32_t> labels = goldens.ints("labels");
  const std::vector<double> rates = goldens.doubles("learning_rates");
  const std::vector<double> expected_losses = goldens.doubles("losses");
  const int64_t length = model.config().embedding.max_seq_length;
  const auto sequences = static_cast<int64_t>(ids.size() / rates.size()) / length;
  for (size_t step = 0; step < rates.size(); ++step) {
    TrainBatch batch;
    batch.sequences = sequences;
    batch.length = length;
    const auto first = ids.begin() + static_cast<int64_t>(step) * sequences * length;
    batch.ids.assign(first, first + sequences * length);
    const auto first_label = labels.begin() + static_cast<int64_t>(step) * sequences * length;
    batch.mlm_labels.assign(first_label, first_label + sequences * length);
    batch.lengths.assign(sequences, length);
    model.parameters().zero_grads();
    const double loss = model.forward_backward(batch, std::nullopt);
    EXPECT_NEAR(loss, expected_losses[step], 1e-5 * expected_losses[step]) << "step " << step;
    clip_grad_norm(model.parameters(), 0.5);
    optimizer.step(model.parameters(), rates[step]);
  }
  double worst = 0.0;
  model.parameters().for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    const std::vector<float> expected = goldens.floats("final." + tensor.name);
    const std::vector<float> actual = model.parameters().checkpoint_values(tensor, parameter);
    const double error = ops::relative_error(actual, expected);
    EXPECT_LE(error, 1e-5) << tensor.name;
    worst = std::max(worst, error);
  });
  std::cout << "[ parity ] " << GetParam() << ": worst relative error of the final weights " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(TinyModels, PytorchParity, ::testing::Values("parity_fff", "parity_dense"));

class BertPytorchParity : public ::testing::TestWithParam<const char*> {};

TEST_P(BertPytorchParity, LossesAndFinalWeightsMatch) {
  const std::filesystem::path dir = std::filesystem::path(UFB_TEST_DATA_DIR) / "train" / GetParam();
  const io::Checkpoint checkpoint(dir);
  const io::ModelHead head = checkpoint.head();
  TrainableModel<float> model(checkpoint.config(),
                              ParameterSet<float>::from_checkpoint(checkpoint, head, checkpoint.num_labels(), 0.02, 0),
                              {});
  AdamW optimizer(model.parameters(), {0.9, 0.98, 1e-12, 0.01});
  const testing::Goldens goldens(dir / "goldens.safetensors");
  const std::vector<int32_t> ids = goldens.ints("input_ids");
  const std::vector<int32_t> types = goldens.ints("token_type_ids");
  const std::vector<int32_t> lengths = goldens.ints("lengths");
  const std::vector<double> rates = goldens.doubles("learning_rates");
  const std::vector<double> expected_losses = goldens.doubles("losses");
  const auto steps = static_cast<int64_t>(rates.size());
  const auto sequences = static_cast<int64_t>(lengths.size()) / steps;
  const auto length = static_cast<int64_t>(ids.size()) / (steps * sequences);
  const bool regression = head == io::ModelHead::kClassification && checkpoint.num_labels() == 1;
  for (int64_t step = 0; step < steps; ++step) {
    TrainBatch batch;
    batch.sequences = sequences;
    batch.length = length;
    const int64_t rows = sequences * length;
    batch.ids.assign(ids.begin() + step * rows, ids.begin() + (step + 1) * rows);
    batch.type_ids.assign(types.begin() + step * rows, types.begin() + (step + 1) * rows);
    batch.lengths.assign(lengths.begin() + step * sequences, lengths.begin() + (step + 1) * sequences);
    if (head == io::ModelHead::kMaskedLm) {
      const std::vector<int32_t> labels = goldens.ints("labels");
      batch.mlm_labels.assign(labels.begin() + step * rows, labels.begin() + (step + 1) * rows);
    } else if (regression) {
      const std::vector<float> targets = goldens.floats("labels");
      batch.regression_targets.assign(targets.begin() + step * sequences, targets.begin() + (step + 1) * sequences);
    } else {
      const std::vector<int32_t> labels = goldens.ints("labels");
      batch.class_labels.assign(labels.begin() + step * sequences, labels.begin() + (step + 1) * sequences);
    }
    model.parameters().zero_grads();
    const double loss = model.forward_backward(batch, std::nullopt);
    EXPECT_NEAR(loss, expected_losses[step], 2e-5 * expected_losses[step]) << "step " << step;
    clip_grad_norm(model.parameters(), 0.5);
    optimizer.step(model.parameters(), rates[step]);
  }
  double worst = 0.0;
  double steps_sum = 0.0;
  for (const double rate : rates) steps_sum += rate;
  model.parameters().for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    const std::vector<float> expected = goldens.floats("final." + tensor.name);
    const std::vector<float> actual = model.parameters().checkpoint_values(tensor, parameter);
    if (tensor.role == io::TensorRole::kKeyBias) {
      // Its gradient is 0 in exact arithmetic (a constant added to all of a query's scores does
      // not change the softmax), so both sides get rounding noise, which AdamW turns into steps
      // of ±lr: they only stay within the sum of the steps of their start, 0.
      for (size_t i = 0; i < actual.size(); ++i) {
        EXPECT_LE(std::abs(actual[i]), steps_sum * 1.01) << tensor.name;
        EXPECT_LE(std::abs(expected[i]), steps_sum * 1.01) << tensor.name;
      }
      return;
    }
    const double error = ops::relative_error(actual, expected);
    EXPECT_LE(error, 2e-5) << tensor.name;
    worst = std::max(worst, error);
  });
  std::cout << "[ parity ] " << GetParam() << ": worst relative error of the final weights " << worst << "\n";
}

INSTANTIATE_TEST_SUITE_P(TinyBertModels, BertPytorchParity,
                         ::testing::Values("parity_bert_mlm", "parity_bert_classification",
                                           "parity_bert_regression"));

}  // namespace
}  // namespace ufb::train

// A few masked-LM training steps agree with an independent PyTorch implementation
// (tools/make_training_goldens.py): same initial weights, batches and learning rates, no dropout,
// AdamW and gradient clipping as torch does them.
#include <gtest/gtest.h>

#include <algorithm>

#include "model/goldens.h"
#include "ufb/ops/compare.h"
#include "ufb/train/adamw.h"
#include "ufb/train/trainable_model.h"

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

}  // namespace
}  // namespace ufb::train

// BERT training's checkpoints: written with the tensor names transformers gives
// BertForMaskedLM / BertForSequenceClassification, and read back by ufb's inference with the
// outputs of the model that was trained.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "model/goldens.h"
#include "io/safetensors.h"
#include "ufb/model/model.h"
#include "ufb/train/adamw.h"
#include "train/trainable_model.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

// Two sequences, the first a pair (types 0, then 1), the second shorter: padded.
TrainBatch pair_batch() {
  const std::vector<std::vector<int32_t>> ids = {{2, 7, 9, 3, 11, 12, 3}, {2, 8, 4, 3}};
  const std::vector<std::vector<int32_t>> types = {{0, 0, 0, 0, 1, 1, 1}, {0, 0, 0, 0}};
  return padded_batch(ids, 0, types);
}

std::set<std::string> names_in(const fs::path& file) {
  const io::SafetensorsFile safetensors(file);
  std::set<std::string> names;
  for (const io::RawTensor& tensor : safetensors.tensors()) names.insert(tensor.name);
  return names;
}

// Trains `model` one step on `batch`, saves it next to `source`'s config.json and returns the
// directory.
fs::path train_and_save(TrainableModel<float>& model, const TrainBatch& batch, const fs::path& source,
                        const std::string& name) {
  AdamW optimizer(model.parameters(), {});
  model.parameters().zero_grads();
  model.forward_backward(batch, std::nullopt);
  optimizer.step(model.parameters(), 1e-2);
  const fs::path out = fs::path(::testing::TempDir()) / name;
  fs::create_directories(out);
  fs::copy_file(source / "config.json", out / "config.json", fs::copy_options::overwrite_existing);
  save_weights(out / "model.safetensors", model.parameters());
  return out;
}

std::vector<model::TokenIds> rows_of(const TrainBatch& batch, const std::vector<int32_t>& values) {
  std::vector<model::TokenIds> rows;
  for (int64_t b = 0; b < batch.sequences; ++b) {
    const auto first = values.begin() + b * batch.length;
    rows.emplace_back(first, first + batch.lengths[b]);
  }
  return rows;
}

TEST(BertCheckpoint, MaskedLmSavesAsTransformersAndLoadsBackWithTheSameOutputs) {
  const fs::path source = testing::test_data("train/parity_bert_mlm");
  const io::Checkpoint checkpoint(source);
  TrainableModel<float> trained(checkpoint.config(),
                                ParameterSet<float>::from_checkpoint(checkpoint, io::ModelHead::kMaskedLm, 0, 0.02, 0),
                                {});
  TrainBatch batch = pair_batch();
  batch.mlm_labels.assign(batch.rows(), kIgnoredLabel);
  batch.mlm_labels[2] = 9;
  batch.mlm_labels[batch.length + 2] = 30;
  const fs::path saved = train_and_save(trained, batch, source, "bert_mlm_round_trip");
  // bert.-prefixed encoder, cls.predictions head, no tied decoder: as transformers saved source.
  EXPECT_EQ(names_in(saved / "model.safetensors"), names_in(source / "model.safetensors"));

  const model::Model loaded(saved);
  const std::vector<model::TokenIds> ids = rows_of(batch, batch.ids);
  const std::vector<model::TokenIds> types = rows_of(batch, batch.type_ids);
  const model::HiddenStates states = loaded.encode(ids, model::PaddingRows::skip, types);
  const std::vector<float> expected = trained.hidden_states(batch);
  const int64_t hidden = trained.config().hidden_size;
  for (int64_t b = 0; b < batch.sequences; ++b) {
    for (int64_t p = 0; p < batch.lengths[b]; ++p) {
      const std::span<const float> row = states.row(b, p);
      for (int64_t h = 0; h < hidden; ++h) {
        EXPECT_NEAR(row[h], expected[(b * batch.length + p) * hidden + h], 1e-5) << b << " " << p << " " << h;
      }
    }
  }
  // The head: the loaded model's logits give the trained model's loss.
  const std::vector<model::TokenPosition> positions = {{0, 2}, {1, 2}};
  const std::vector<float> logits = loaded.mlm_logits(ids, positions, types);
  const int64_t vocab = trained.config().embedding.vocab_size;
  double loss = 0;
  for (size_t i = 0; i < positions.size(); ++i) {
    const std::span<const float> row(logits.data() + i * vocab, vocab);
    const float top = *std::max_element(row.begin(), row.end());
    double sum = 0;
    for (const float value : row) sum += std::exp(double{value} - top);
    loss += std::log(sum) + top - row[batch.mlm_labels[positions[i].sequence * batch.length + 2]];
  }
  EXPECT_NEAR(loss / 2, trained.loss(batch), 1e-5);
}

TEST(BertCheckpoint, ClassifierSavesAsTransformersAndLoadsBackWithTheSameOutputs) {
  const fs::path source = testing::test_data("train/parity_bert_classification");
  const io::Checkpoint checkpoint(source);
  TrainableModel<float> trained(checkpoint.config(),
                                ParameterSet<float>::from_checkpoint(checkpoint, io::ModelHead::kClassification,
                                                                     checkpoint.num_labels(), 0.02, 0),
                                {});
  TrainBatch batch = pair_batch();
  batch.class_labels = {2, 0};
  const fs::path saved = train_and_save(trained, batch, source, "bert_classifier_round_trip");
  EXPECT_EQ(names_in(saved / "model.safetensors"), names_in(source / "model.safetensors"));

  const model::Model loaded(saved);
  const model::Classification result = loaded.classify(rows_of(batch, batch.ids), rows_of(batch, batch.type_ids));
  ASSERT_EQ(result.num_labels, 3);
  double loss = 0;
  for (int64_t b = 0; b < batch.sequences; ++b) {
    loss -= std::log(double{result.probabilities[b * 3 + batch.class_labels[b]]});
  }
  EXPECT_NEAR(loss / 2, trained.loss(batch), 1e-5);
}

}  // namespace
}  // namespace ufb::train

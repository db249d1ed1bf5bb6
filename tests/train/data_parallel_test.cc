// Data parallelism in one process: slicing a batch keeps every sample's tokens, labels and
// dropout key, the loss terms count what the loss averages, and DataParallel in a job of one is
// plain forward_backward.
#include <gtest/gtest.h>

#include "tokenizer/error_message.h"
#include "ufb/io/config.h"
#include "train/data_parallel.h"

namespace ufb::train {
namespace {

TrainBatch labelled_batch() {
  TrainBatch batch = padded_batch(std::vector<std::vector<int32_t>>{{5, 6, 7}, {8}, {9, 10}}, 0);
  batch.first_sample = 100;
  batch.mlm_labels = {5, kIgnoredLabel, 7, kIgnoredLabel, kIgnoredLabel, kIgnoredLabel, kIgnoredLabel, 10, kIgnoredLabel};
  return batch;
}

TEST(SliceSequences, KeepsRowsLabelsPaddedLengthAndSampleIndex) {
  const TrainBatch slice = slice_sequences(labelled_batch(), 1, 3);
  EXPECT_EQ(slice.sequences, 2);
  EXPECT_EQ(slice.length, 3);
  EXPECT_EQ(slice.ids, (std::vector<int32_t>{8, 0, 0, 9, 10, 0}));
  EXPECT_EQ(slice.lengths, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(slice.mlm_labels, (std::vector<int32_t>{kIgnoredLabel, kIgnoredLabel, kIgnoredLabel, kIgnoredLabel, 10,
                                                    kIgnoredLabel}));
  EXPECT_EQ(slice.first_sample, 101u);
  EXPECT_EQ(slice_sequences(labelled_batch(), 2, 2).sequences, 0);
  EXPECT_EQ(tokenizer::error_of([] { slice_sequences(labelled_batch(), 2, 4); }), "sequences [2, 4) of a batch of 3");
}

TEST(LossTerms, CountsPredictedPositionsOrSequences) {
  TrainBatch batch = labelled_batch();
  EXPECT_EQ(loss_terms(batch), 3);
  EXPECT_EQ(loss_terms(slice_sequences(batch, 1, 2)), 0);
  batch.mlm_labels.clear();
  batch.class_labels = {1, 0, 1};
  EXPECT_EQ(loss_terms(batch), 3);
  EXPECT_EQ(loss_terms(slice_sequences(batch, 0, 1)), 1);
  EXPECT_EQ(slice_sequences(batch, 1, 3).class_labels, (std::vector<int32_t>{0, 1}));
}

TEST(DataParallel, InAJobOfOneIsPlainForwardBackward) {
  const io::ModelConfig config =
      io::read_model_config(std::filesystem::path(UFB_TEST_DATA_DIR) / "train" / "config.json");
  const auto model = [&] {
    return std::make_unique<TrainableModel<float>>(
        config, ParameterSet<float>::initialized(config, io::ModelHead::kMaskedLm, 0, 0.02, 1), DropoutRates{});
  };
  const auto plain = model(), parallel = model();
  const TrainBatch batch = labelled_batch();
  plain->parameters().zero_grads();
  parallel->parameters().zero_grads();
  const double loss = plain->forward_backward(batch, std::nullopt, 0.5f);
  DataParallel data_parallel(distributed::Communicator::single());
  EXPECT_EQ(data_parallel.all_reduce(parallel->parameters(),
                                     data_parallel.forward_backward(*parallel, batch, std::nullopt, 0.5f)),
            loss);
  plain->parameters().for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& expected) {
    EXPECT_EQ(parallel->parameters().get(tensor.name).grad, expected.grad) << tensor.name;
  });
}

}  // namespace
}  // namespace ufb::train

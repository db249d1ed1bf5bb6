// `train_glue` end to end on tiny task files: the model learns the task and the output directory
// is a classification model the inference engine runs.
#include <gtest/gtest.h>

#include <fstream>

#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/model/model.h"
#include "ufb/train/glue_trainer.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

const fs::path kTestData = fs::path(UFB_TEST_DATA_DIR);

GlueTrainingOptions tiny_glue_run(const std::string& task, const std::string& out_name) {
  GlueTrainingOptions options;
  options.task = task;
  options.model_dir = kTestData / "model" / "fff_mlm";
  options.tokenizer_file = kTestData / "cli" / "tokenizer.json";
  options.data_dir = kTestData / "train" / "glue" / task;
  options.out_dir = fs::path(::testing::TempDir()) / out_name;
  options.epochs = 30;
  options.batch_size = 8;
  options.schedule.peak = 5e-3;
  options.log_every = 30;
  fs::remove_all(options.out_dir);
  return options;
}

std::vector<double> train(const GlueTrainingOptions& options) {
  std::vector<double> losses;
  train_glue(
      options, distributed::Communicator::single(), [&](const TrainingProgress& p) { losses.push_back(p.loss); },
      [](const std::string&) {});
  return losses;
}

TEST(TrainGlue, LearnsAClassificationTaskAndWritesAClassificationModel) {
  const GlueTrainingOptions options = tiny_glue_run("SST-2", "train_glue_sst2");
  const std::vector<double> losses = train(options);
  ASSERT_EQ(losses.size(), 6u);  // 6 batches per epoch, 30 epochs, a line every 30 steps
  EXPECT_GT(losses.front(), 0.5);
  EXPECT_LT(losses.back(), 0.1);
  const model::Model model(options.out_dir);
  EXPECT_EQ(model.config().num_labels, 2);
  // "paris is a big city" → 1, "rome is a small city" → 0 (ids of tests/data/cli/tokenizer.json).
  const std::vector<model::TokenIds> batch = {{2, 5, 6, 12, 20, 13, 3}, {2, 18, 6, 12, 21, 13, 3}};
  const model::Classification result = model.classify(batch);
  EXPECT_GT(result.probabilities[1], 0.5);
  EXPECT_GT(result.probabilities[2], 0.5);
}

TEST(TrainGlue, FitsARegressionTask) {
  GlueTrainingOptions options = tiny_glue_run("STS-B", "train_glue_stsb");
  options.epochs = 100;  // the scores' scale takes longer to reach than a class boundary
  options.log_every = 50;
  const std::vector<double> losses = train(options);
  EXPECT_LT(losses.back(), 0.05 * losses.front());
  const model::Model model(options.out_dir);
  EXPECT_EQ(model.config().num_labels, 1);
  // "[CLS] paris is big . [SEP] rome is old . [SEP]" scores above the same with "small".
  const std::vector<model::TokenIds> batch = {{2, 5, 6, 20, 11, 3, 18, 6, 29, 11, 3},
                                              {2, 5, 6, 21, 11, 3, 18, 6, 29, 11, 3}};
  const model::Classification result = model.classify(batch);
  EXPECT_GT(result.logits[0], result.logits[1] + 3.0);
}

TEST(TrainGlue, RefusesAClassificationCheckpointWithOtherLabels) {
  GlueTrainingOptions options = tiny_glue_run("SST-2", "train_glue_refuse");
  options.model_dir = kTestData / "model" / "fff_cls_avg";
  EXPECT_ERROR_CONTAINS(train(options),
                        "is a classification model with 3 labels; SST-2 needs 2 (start from a masked-LM checkpoint)");
}

}  // namespace
}  // namespace ufb::train

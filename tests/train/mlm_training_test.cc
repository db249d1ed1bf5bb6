// The masked-LM pipeline: cleaning, packing and masking, and `train_mlm` end to end — a resumed
// run equals an uninterrupted one bit for bit, and the checkpoint loads in the inference engine.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/model/model.h"
#include "train/mlm_batches.h"
#include "ufb/train/mlm_trainer.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

const fs::path kData = fs::path(UFB_TEST_DATA_DIR) / "train";
const fs::path kTokenizer = fs::path(UFB_TEST_DATA_DIR) / "cli" / "tokenizer.json";

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

TEST(MlmBatches, MasksAQuarterOfOrdinaryTokensRepeatably) {
  std::vector<int32_t> tokens(64 * 1000);
  for (size_t i = 0; i < tokens.size(); ++i) tokens[i] = i % 64 == 63 ? 3 : 5 + static_cast<int32_t>(i % 20);
  const MaskingOptions masking{0.25, 4, 30, {3, 0}};
  MlmBatches batches(tokens, 64, 9, masking);
  EXPECT_EQ(batches.sequence_count(), 1000);
  const TrainBatch batch = batches.batch(100, 500);
  MlmBatches again(tokens, 64, 9, masking);
  EXPECT_EQ(again.batch(100, 500).ids, batch.ids);  // a pure function of seed and sample index
  EXPECT_EQ(again.batch(350, 10).ids,
            std::vector<int32_t>(batch.ids.begin() + 250 * 64, batch.ids.begin() + 260 * 64));
  EXPECT_NE(MlmBatches(tokens, 64, 10, masking).batch(100, 500).ids, batch.ids);
  int64_t predicted = 0, masked = 0, kept = 0, ordinary = 0;
  for (int64_t i = 0; i < batch.rows(); ++i) {
    const bool separator = i % 64 == 63;
    ordinary += !separator;
    if (batch.mlm_labels[i] == kIgnoredLabel) continue;
    EXPECT_FALSE(separator) << "special tokens are never predicted";
    ++predicted;
    masked += batch.ids[i] == 4;
    kept += batch.ids[i] == batch.mlm_labels[i];
  }
  EXPECT_NEAR(double(predicted) / ordinary, 0.25, 0.01);
  EXPECT_NEAR(double(masked) / predicted, 0.8, 0.02);
  EXPECT_NEAR(double(kept) / predicted, 0.1 + 0.1 / 30, 0.02);  // kept, or replaced by itself
}

TEST(MlmBatches, RejectsTooLittleText) {
  EXPECT_EQ(tokenizer::error_of([&] { MlmBatches(std::vector<int32_t>(10, 5), 16, 0, {}); }),
            "the training text has 10 tokens, fewer than one sequence of 16");
}

MlmTrainingOptions tiny_run(const fs::path& out, int64_t steps) {
  MlmTrainingOptions options;
  options.config_file = kData / "config.json";
  options.tokenizer_file = kTokenizer;
  options.data_dir = kData / "corpus";
  options.out_dir = out;
  options.steps = steps;
  options.seed = 3;
  options.batch_size = 4;
  options.accumulation = 2;
  options.dropout = true;
  options.log_every = 2;
  options.checkpoint_every = 3;
  options.schedule.peak = 3e-3;
  return options;
}

void train(const MlmTrainingOptions& options) {
  train_mlm(options, distributed::Communicator::single(), [](const TrainingProgress&) {},
            [](const std::string&) {});
}

TEST(TrainMlm, ResumedRunEqualsUninterruptedRunBitForBit) {
  const fs::path root = fs::path(::testing::TempDir()) / "train_mlm_resume";
  fs::remove_all(root);
  train(tiny_run(root / "straight", 8));
  MlmTrainingOptions first_half = tiny_run(root / "first_half", 8);
  first_half.stop_after = 4;
  train(first_half);
  MlmTrainingOptions second_half = tiny_run(root / "second_half", 8);
  second_half.resume_dir = root / "first_half";
  train(second_half);
  for (const char* file : {"model.safetensors", "optimizer.safetensors"}) {
    const std::string straight = read_bytes(root / "straight" / file);
    EXPECT_FALSE(straight.empty());
    EXPECT_TRUE(straight == read_bytes(root / "second_half" / file)) << file;
  }
  // One log line per logged step (2, 4, 6, 8), and the loss went down.
  std::ifstream log(root / "straight" / "log.jsonl");
  std::vector<std::string> lines;
  for (std::string line; std::getline(log, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_NE(lines[0].find("\"step\":2"), std::string::npos);
  EXPECT_NE(lines[0].find("\"tokens_per_s\""), std::string::npos);

  // The checkpoint is a model directory the inference engine runs.
  const model::Model model(root / "straight");
  const std::vector<model::TokenIds> batch = {{2, 5, 6, 4, 9, 10, 3}};
  EXPECT_EQ(model.fill_mask(batch, std::vector<model::TokenPosition>{{0, 3}}, 3)[0].size(), 3u);
}

TEST(TrainMlm, LossFalls) {
  const fs::path out = fs::path(::testing::TempDir()) / "train_mlm_loss";
  fs::remove_all(out);
  MlmTrainingOptions options = tiny_run(out, 60);
  options.log_every = 10;
  std::vector<double> losses;
  train_mlm(
      options, distributed::Communicator::single(), [&](const TrainingProgress& p) { losses.push_back(p.loss); },
      [](const std::string&) {});
  ASSERT_EQ(losses.size(), 6u);
  EXPECT_LT(losses.back(), losses.front() - 0.2);
}

TEST(TrainMlm, RefusesAVocabularyThatDoesNotMatchTheConfig) {
  MlmTrainingOptions options = tiny_run(fs::path(::testing::TempDir()) / "train_mlm_vocab", 1);
  options.config_file = fs::path(UFB_TEST_DATA_DIR) / "model" / "fff_mlm" / "config.json";
  EXPECT_EQ(tokenizer::error_of([&] { train(options); }),
            options.config_file.string() + ": arch.embedding.vocab_size 50 does not match the 30 tokens of " +
                kTokenizer.string());
}

TEST(TrainMlm, RefusesToResumeWithAnotherSeed) {
  const fs::path root = fs::path(::testing::TempDir()) / "train_mlm_seed";
  fs::remove_all(root);
  train(tiny_run(root / "a", 2));
  MlmTrainingOptions options = tiny_run(root / "b", 4);
  options.resume_dir = root / "a";
  options.seed = 4;
  EXPECT_EQ(tokenizer::error_of([&] { train(options); }),
            "--resume: the checkpoint was trained with seed 3, batch 4 and accumulation 2; "
            "give the same to continue it");
}

}  // namespace
}  // namespace ufb::train

// Run under `mpiexec -n 2` by ctest: data-parallel training on the two ranks follows the
// trajectory of one process. The one-process reference runs inside the same job, on rank 0,
// with Communicator::single(); batches have odd sizes so the ranks' shares differ, and dropout
// and gradient accumulation are on.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>

#include "ufb/distributed/communicator.h"
#include "ufb/io/config.h"
#include "io/safetensors.h"
#include "train/data_parallel.h"
#include "ufb/train/glue_trainer.h"
#include "ufb/train/mlm_trainer.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;
using distributed::Communicator;

const fs::path kTestData = fs::path(UFB_TEST_DATA_DIR);
constexpr double kTolerance = 1e-5;

const Communicator& world() { return Communicator::world(); }

// The largest deviation seen by expect_close, reported at the end of each test on rank 0.
double largest_deviation = 0;

void report_largest_deviation(const std::string& what) {
  if (world().is_root()) std::cout << what << ": largest |a - b| / max|b| = " << largest_deviation << "\n";
  largest_deviation = 0;
}

// |a − b| ≤ kTolerance · max|b| element-wise (the scale of the whole tensor: gradients and
// weights near zero differ by summation order in absolute, not relative, terms).
void expect_close(std::span<const float> a, std::span<const float> b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  float scale = 1e-30f;
  for (const float v : b) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_LE(std::abs(a[i] - b[i]), kTolerance * scale) << what << " [" << i << "]: " << a[i] << " vs " << b[i];
    largest_deviation = std::max(largest_deviation, double{std::abs(a[i] - b[i])} / scale);
  }
}

// A fresh directory of the same name on every rank (one machine: the same directory).
fs::path fresh_dir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("ufb_mpi_" + name);
  if (world().is_root()) fs::remove_all(dir);
  world().barrier();
  return dir;
}

io::ModelConfig tiny_config() { return io::read_model_config(kTestData / "train" / "config.json"); }

TrainBatch random_mlm_batch(int64_t sequences, int64_t length, uint64_t seed) {
  std::mt19937 random(seed);
  TrainBatch batch;
  batch.sequences = sequences;
  batch.length = length;
  batch.first_sample = 40;
  batch.lengths.assign(sequences, length);
  for (int64_t i = 0; i < batch.rows(); ++i) {
    batch.ids.push_back(static_cast<int32_t>(1 + random() % 29));
    batch.mlm_labels.push_back(random() % 3 == 0 ? static_cast<int32_t>(1 + random() % 29) : kIgnoredLabel);
  }
  return batch;
}

// The gradients of one global batch: whole in one process, and summed from the shards of the
// ranks through buckets of `bucket_floats`.
void expect_sharded_gradients_equal_whole(size_t bucket_floats) {
  ASSERT_EQ(world().size(), 2);
  const io::ModelConfig config = tiny_config();
  DropoutRates dropout;
  dropout.hidden = dropout.attention = 0.1;
  const auto model = [&] {
    return std::make_unique<TrainableModel<float>>(
        config, ParameterSet<float>::initialized(config, io::ModelHead::kMaskedLm, 0, 0.02, 5), dropout);
  };
  const std::unique_ptr<TrainableModel<float>> whole = model(), sharded = model();
  const TrainBatch batch = random_mlm_batch(7, 16, 11);  // ranks take 4 and 3 sequences
  const CounterRandom dropout_random = CounterRandom(1).child(2);
  whole->parameters().zero_grads();
  const double loss = whole->forward_backward(batch, dropout_random, 0.5f);
  sharded->parameters().zero_grads();
  DataParallel data_parallel(world(), bucket_floats);
  const double local_loss = data_parallel.forward_backward(*sharded, batch, dropout_random, 0.5f);
  EXPECT_NE(local_loss, loss) << "each rank computes only its share";
  EXPECT_NEAR(data_parallel.all_reduce(sharded->parameters(), local_loss), loss, kTolerance * loss);
  whole->parameters().for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& expected) {
    if (expected.trainable) expect_close(sharded->parameters().get(tensor.name).grad, expected.grad, tensor.name);
  });
  report_largest_deviation("gradients, buckets of " + std::to_string(bucket_floats) + " floats");
}

TEST(DataParallelUnderMpi, SummedShardGradientsEqualTheGlobalBatchGradient) {
  expect_sharded_gradients_equal_whole(DataParallel::kDefaultBucketFloats);  // the tiny model: one bucket
  // Many buckets, and gradients larger than one (the 480 floats of the word embedding) alone.
  expect_sharded_gradients_equal_whole(100);
}

std::vector<double> losses_of(const fs::path& log_file) {
  std::vector<double> losses;
  std::ifstream in(log_file);
  for (std::string line; std::getline(in, line);) losses.push_back(nlohmann::json::parse(line).at("loss"));
  return losses;
}

// On rank 0: the losses logged and the weights saved in `dir` equal those of `reference`.
void expect_same_run(const fs::path& dir, const fs::path& reference) {
  if (!world().is_root()) return;
  const std::vector<double> losses = losses_of(dir / "log.jsonl");
  const std::vector<double> expected = losses_of(reference / "log.jsonl");
  ASSERT_EQ(losses.size(), expected.size());
  ASSERT_FALSE(losses.empty());
  for (size_t i = 0; i < losses.size(); ++i) EXPECT_NEAR(losses[i], expected[i], kTolerance * expected[i]) << i;
  const io::SafetensorsFile weights(dir / "model.safetensors");
  const io::SafetensorsFile expected_weights(reference / "model.safetensors");
  ASSERT_EQ(weights.tensors().size(), expected_weights.tensors().size());
  for (const io::RawTensor& tensor : expected_weights.tensors()) {
    std::vector<float> storage, expected_storage;
    const io::RawTensor* found = weights.find(tensor.name);
    ASSERT_NE(found, nullptr) << tensor.name;
    expect_close(io::as_float32(*found, storage, "run"), io::as_float32(tensor, expected_storage, "reference"),
                 tensor.name);
  }
  report_largest_deviation(dir.filename().string() + " weights");
}

MlmTrainingOptions tiny_mlm_run(const fs::path& out) {
  MlmTrainingOptions options;
  options.config_file = kTestData / "train" / "config.json";
  options.tokenizer_file = kTestData / "cli" / "tokenizer.json";
  options.data_dir = kTestData / "train" / "corpus";
  options.out_dir = out;
  options.steps = 20;
  options.seed = 7;
  options.batch_size = 5;
  options.accumulation = 2;
  options.dropout = true;
  options.log_every = 1;
  options.checkpoint_every = 7;
  options.schedule.peak = 3e-3;
  return options;
}

void train_on(const Communicator& communicator, const MlmTrainingOptions& options) {
  train_mlm(options, communicator, [](const TrainingProgress&) {}, [](const std::string&) {});
}

// The reference run of one process, on rank 0 while the other ranks wait.
void train_alone(const MlmTrainingOptions& options) {
  if (world().is_root()) train_on(Communicator::single(), options);
  world().barrier();
}

TEST(DataParallelUnderMpi, TwentyMlmStepsOnTwoRanksEqualOneProcess) {
  const fs::path single = fresh_dir("mlm_single"), parallel = fresh_dir("mlm_parallel");
  train_alone(tiny_mlm_run(single));
  train_on(world(), tiny_mlm_run(parallel));
  world().barrier();
  expect_same_run(parallel, single);
}

TEST(DataParallelUnderMpi, ARunOfOneProcessResumesOnTwoRanks) {
  const fs::path single = fresh_dir("resume_single"), pieces = fresh_dir("resume_pieces");
  train_alone(tiny_mlm_run(single));
  MlmTrainingOptions first_half = tiny_mlm_run(pieces);
  first_half.stop_after = 10;
  train_alone(first_half);
  MlmTrainingOptions second_half = tiny_mlm_run(pieces);
  second_half.resume_dir = pieces;
  train_on(world(), second_half);
  world().barrier();
  expect_same_run(pieces, single);
}

GlueTrainingOptions tiny_glue_run(const fs::path& out) {
  GlueTrainingOptions options;
  options.task = "SST-2";
  options.model_dir = kTestData / "model" / "fff_mlm";
  options.tokenizer_file = kTestData / "cli" / "tokenizer.json";
  options.data_dir = kTestData / "train" / "glue" / "SST-2";
  options.out_dir = out;
  options.epochs = 3;
  options.batch_size = 5;
  options.schedule.peak = 5e-3;
  options.log_every = 1;
  return options;
}

TEST(DataParallelUnderMpi, GlueFineTuningOnTwoRanksEqualsOneProcess) {
  const fs::path single = fresh_dir("glue_single"), parallel = fresh_dir("glue_parallel");
  const auto ignore_progress = [](const TrainingProgress&) {};
  const auto ignore_status = [](const std::string&) {};
  if (world().is_root()) train_glue(tiny_glue_run(single), Communicator::single(), ignore_progress, ignore_status);
  world().barrier();
  train_glue(tiny_glue_run(parallel), world(), ignore_progress, ignore_status);
  world().barrier();
  expect_same_run(parallel, single);
}

}  // namespace
}  // namespace ufb::train

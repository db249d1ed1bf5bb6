#include "model_bench.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ufb/io/config.h"
#include "ufb/model/model.h"
#include "ufb/model/random_checkpoint.h"

namespace ufb::bench {
namespace {

ModelBenchOptions tiny_options() {
  ModelBenchOptions options;
  options.model_dir = std::filesystem::path(UFB_TEST_DATA_DIR) / "model" / "fff_mlm";
  options.batches = {2};
  options.threads = {1};
  options.sequence_length = 5;
  options.min_seconds = 0;
  options.min_repeats = 1;
  return options;
}

TEST(ModelBench, TimesEachDtypeAndProfilesEveryStage) {
  std::ostringstream log;
  const ModelBenchReport report = run_model_bench(tiny_options(), log);
  ASSERT_EQ(report.results.size(), 3u);
  EXPECT_EQ(report.results[0].dtype, "f32");
  EXPECT_EQ(report.results[1].dtype, "bf16");
  EXPECT_EQ(report.results[2].dtype, "int8");
  for (const ModelBenchResult& row : report.results) {
    EXPECT_EQ(row.ff, "fff");
    EXPECT_GT(row.timing.median_seconds, 0);
    EXPECT_GT(row.profile.seconds[model::EncoderProfile::kFeedforward], 0);
    EXPECT_GT(row.profile.seconds[model::EncoderProfile::kAttention], 0);
  }
  // bf16 and int8 are compared with f32 on the same sequence: a small change that is not zero.
  EXPECT_FALSE(report.results[0].hidden_error_vs_f32);
  for (size_t row = 1; row < 3; ++row) {
    ASSERT_TRUE(report.results[row].hidden_error_vs_f32);
    EXPECT_GT(*report.results[row].hidden_error_vs_f32, 0.0);
    EXPECT_LT(*report.results[row].hidden_error_vs_f32, 0.05);
    EXPECT_GT(*report.results[row].fff_paths_unchanged, 0.5);
  }
}

TEST(ModelBench, JsonHasTheDocumentedFields) {
  std::ostringstream log;
  const ModelBenchReport report = run_model_bench(tiny_options(), log);
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "ufb_model_bench.json";
  write_model_json(report, path);
  const nlohmann::json json = nlohmann::json::parse(std::ifstream(path));
  const nlohmann::json& row = json.at("results").at(0);
  for (const char* key : {"model", "ff", "batch", "threads", "seq", "dtype", "median_ms_per_seq",
                          "min_ms_per_seq", "max_ms_per_seq"}) {
    EXPECT_TRUE(row.contains(key)) << key;
  }
  EXPECT_EQ(row.at("seq"), 5);
  double shares = 0;
  for (const auto& [stage, share] : row.at("stage_share").items()) shares += share.get<double>();
  EXPECT_NEAR(shares, 1.0, 1e-9);
  std::filesystem::remove(path);
}

TEST(RandomCheckpoint, SameSeedSameWeightsAndAModelThatRuns) {
  const io::ModelConfig config = io::read_model_config(
      std::filesystem::path(UFB_TEST_DATA_DIR) / "model" / "fff_mlm" / "config.json");
  const auto first = model::random_checkpoint(config, 7);
  const auto again = model::random_checkpoint(config, 7);
  const auto other = model::random_checkpoint(config, 8);
  const std::string name = "encoder.layers.1.ffn.linear_in.weight";
  const auto values = [&](const io::Checkpoint& checkpoint) {
    const std::span<const float> v = checkpoint.tensor(name).values;
    return std::vector<float>(v.begin(), v.end());
  };
  EXPECT_EQ(values(*first), values(*again));
  EXPECT_NE(values(*first), values(*other));
  EXPECT_EQ(first->tensor("encoder.final_norm.weight").values[0], 1.0f);
  const model::Model model(model::random_checkpoint(config, 7));
  const model::HiddenStates states = model.encode(std::vector<model::TokenIds>{{1, 2, 3}});
  for (const float value : states.values) EXPECT_TRUE(std::isfinite(value));
}

}  // namespace
}  // namespace ufb::bench

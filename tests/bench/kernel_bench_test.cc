#include "kernel_bench.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kernel_report.h"

namespace ufb::bench {
namespace {

KernelBenchOptions tiny_options() {
  KernelBenchOptions options;
  options.hidden = 24;
  options.depth = 3;
  options.dense_widths = {15};
  options.batches = {1, 7};
  options.threads = {1};
  options.min_seconds = 0;
  options.min_repeats = 2;
  return options;
}

TEST(KernelBench, TimesEveryVariantAtEveryBatchAndReportsSpeedUps) {
  std::ostringstream progress;
  const KernelBenchReport report = run_kernel_bench(tiny_options(), progress);
  // 4 dense + 4 FFF f32 + native bf16 + native int8, at 2 batch sizes.
  ASSERT_EQ(report.results.size(), 20u);
  for (const KernelResult& row : report.results) {
    EXPECT_GT(row.timing.median_seconds, 0) << row.impl;
    EXPECT_LE(row.timing.min_seconds, row.timing.median_seconds);
    EXPECT_GE(row.timing.max_seconds, row.timing.median_seconds);
    EXPECT_GE(row.timing.repeats, 2);
    EXPECT_EQ(row.width, 15);  // FFF depth 3 has 15 neurons, like the dense width
  }
  std::ostringstream table;
  print_kernel_report(report, table);
  EXPECT_NE(table.str().find("BEST-15"), std::string::npos);
  EXPECT_NE(table.str().find("distinct leaves"), std::string::npos);
}

TEST(KernelBench, PaperMethodAddsIdenticalTokenRows) {
  KernelBenchOptions options = tiny_options();
  options.paper_method = true;
  options.batches = {7};
  std::ostringstream progress;
  const KernelBenchReport report = run_kernel_bench(options, progress);
  int identical = 0;
  for (const KernelResult& row : report.results) identical += row.identical_inputs;
  EXPECT_EQ(identical, 4);
  EXPECT_NE(std::find(report.notes.begin(), report.notes.end(),
                      "batch 7 (identical tokens): the 4102 tokens timed reached 1 distinct leaves of tree 0 (of 8)"),
            report.notes.end());
}

TEST(KernelBench, JsonHasTheDocumentedFields) {
  KernelBenchOptions options = tiny_options();
  options.batches = {3};
  std::ostringstream progress;
  const KernelBenchReport report = run_kernel_bench(options, progress);
  const auto path = std::filesystem::temp_directory_path() / "ufb_kernel_bench_test.json";
  write_kernel_json(report, path);
  std::ifstream file(path);
  const nlohmann::json json = nlohmann::json::parse(file);
  std::filesystem::remove(path);
  EXPECT_TRUE(json["machine"].contains("cpu"));
  EXPECT_TRUE(json["machine"].contains("isa"));
  EXPECT_EQ(json["machine"]["threads"], nlohmann::json::array({1}));
  ASSERT_EQ(json["results"].size(), report.results.size());
  for (const auto& row : json["results"]) {
    for (const char* key : {"op", "impl", "hidden", "width", "depth", "trees", "batch", "threads", "dtype",
                            "median_us_per_token", "min_us_per_token", "max_us_per_token"}) {
      EXPECT_TRUE(row.contains(key)) << key;
    }
    EXPECT_EQ(row["depth"].is_null(), row["op"] == "ff");
  }
}

TEST(KernelBench, SkipsCasesPredictedToExceedTheCallBudget) {
  KernelBenchOptions options = tiny_options();
  options.batches = {1, 100000};
  options.dense_impls = {DenseForm::blas_l1};
  options.fff_impls = {};
  options.native_bf16 = false;
  options.native_int8 = false;
  options.max_call_seconds = 1e-6;
  std::ostringstream progress;
  const KernelBenchReport report = run_kernel_bench(options, progress);
  ASSERT_EQ(report.results.size(), 1u);
  EXPECT_EQ(report.results[0].batch, 1);
  const bool skipped = std::any_of(report.notes.begin(), report.notes.end(),
                                   [](const std::string& note) { return note.rfind("skipped ff blas_l1", 0) == 0; });
  EXPECT_TRUE(skipped);
}

}  // namespace
}  // namespace ufb::bench

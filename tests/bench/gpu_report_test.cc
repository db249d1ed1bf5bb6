// The --device cuda parts of the report (GPU header, per-weight-type best dense, the paper's
// comparison next to the honest one, memory bounds, JSON), on a hand-made report: they need no GPU.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "kernel_report.h"

namespace ufb::bench {
namespace {

KernelResult cuda_row(const char* op, const char* impl, const char* dtype, int64_t batch, double seconds) {
  const bool fff = std::string(op) == "fff";
  KernelResult row{op, impl, 768, 4095, fff ? std::optional<int>(11) : std::nullopt, 1, batch, 0, dtype, false,
                   1.0, {seconds, seconds, seconds, 5}, "cuda"};
  return row;
}

KernelBenchReport cuda_report() {
  KernelBenchReport report;
  GpuDescription gpu;
  gpu.name = "Test GPU";
  gpu.compute_capability = 90;
  gpu.l2_cache_bytes = 50 << 20;
  gpu.driver = "1.2.3";
  gpu.probes = {2e12, 1.8e12, 8e12, 200e-9, 2e-6, 4e-6};
  report.gpu = gpu;
  report.results = {cuda_row("ff", "cuda_naive", "f32", 1, 1000e-6), cuda_row("ff", "cublaslt_tf32", "f32", 1, 10e-6),
                    cuda_row("ff", "cublaslt_bf16", "bf16", 1, 8e-6), cuda_row("fff", "cuda_naive", "f32", 1, 20e-6),
                    cuda_row("fff", "cuda_native", "f32", 1, 5e-6), cuda_row("fff", "cuda_native", "bf16", 1, 4e-6),
                    cuda_row("fff", "cuda_native", "bf16", 65536, 0.5e-3)};
  return report;
}

TEST(GpuReport, PrintsPaperAndHonestComparisonsAndBounds) {
  std::ostringstream table;
  print_kernel_report(cuda_report(), table);
  const std::string text = table.str();
  for (const char* expected :
       {"GPU: Test GPU | sm_90", "HBM read 2000 GB/s | HBM copy 1800 GB/s (read + written) | L2 read 8000 GB/s | L2 hit latency 200 ns",
        "paper: 50.0x (cuda_naive/f32 vs cuda_naive/f32)", "best: 2.0x (cuda_native/bf16 vs cublaslt_bf16/bf16)",
        "best f32: 2.0x (cuda_native/f32 vs cublaslt_tf32/f32)", "BEST-4095-bf16 (cublaslt_bf16) 2.0x",
        "12 dependent levels x L2 latency = 2.40 us", "compulsory"}) {
    EXPECT_NE(text.find(expected), std::string::npos) << expected << "\n" << text;
  }
}

TEST(GpuReport, JsonNamesTheDeviceAndTheBounds) {
  const auto path = std::filesystem::temp_directory_path() / "ufb_gpu_report_test.json";
  write_kernel_json(cuda_report(), path);
  std::ifstream file(path);
  const nlohmann::json json = nlohmann::json::parse(file);
  std::filesystem::remove(path);
  EXPECT_EQ(json["gpu"]["name"], "Test GPU");
  EXPECT_EQ(json["gpu"]["driver"], "1.2.3");
  EXPECT_DOUBLE_EQ(json["gpu"]["probes"]["hbm_read_gb_per_s"], 2000);
  EXPECT_DOUBLE_EQ(json["gpu"]["probes"]["hbm_copy_gb_per_s"], 1800);
  for (const auto& row : json["results"]) {
    EXPECT_EQ(row["device"], "cuda");
    EXPECT_TRUE(row["threads"].is_null());
    EXPECT_EQ(row.contains("compulsory_traffic_bound_us_per_token"), row["op"] == "fff");
  }
  // Batch 1, f32: one path of 12 nodes (73728 bytes) plus x, y, leaf (6148) through L2 at 8 TB/s.
  EXPECT_NEAR(json["results"][4]["compulsory_traffic_bound_us_per_token"].get<double>(), 79876 / 8e12 * 1e6, 1e-9);
  // Batch 65536: x in and y out (6148 bytes a token) from HBM at the copy bandwidth, 1.8 TB/s,
  // outweigh the L2 traffic.
  EXPECT_NEAR(json["results"][6]["compulsory_traffic_bound_us_per_token"].get<double>(), 6148 / 1.8e12 * 1e6, 1e-9);
}

}  // namespace
}  // namespace ufb::bench

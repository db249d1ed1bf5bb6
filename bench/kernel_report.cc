#include "kernel_report.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "memory_bound.h"
#include "ufb/atomic_file.h"

namespace ufb::bench {
namespace {

std::string format(const char* pattern, auto... values) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, pattern, values...);
  return buffer;
}

// The fastest dense result of this width at this batch and thread count (and weight type, if
// given), if any.
const KernelResult* best_dense(const KernelBenchReport& report, int64_t width, int64_t batch, int threads,
                               const std::string& dtype = "") {
  const KernelResult* best = nullptr;
  for (const KernelResult& row : report.results) {
    if (row.op == "ff" && row.width == width && row.batch == batch && row.threads == threads &&
        (dtype.empty() || row.dtype == dtype) && (!best || row.timing.median_seconds < best->timing.median_seconds)) {
      best = &row;
    }
  }
  return best;
}

// The weight types of the dense rows, when there is more than one (the CUDA baselines).
std::vector<std::string> dense_dtypes_if_several(const KernelBenchReport& report) {
  std::vector<std::string> dtypes;
  for (const KernelResult& row : report.results) {
    if (row.op == "ff" && std::find(dtypes.begin(), dtypes.end(), row.dtype) == dtypes.end()) dtypes.push_back(row.dtype);
  }
  if (dtypes.size() < 2) dtypes.clear();
  return dtypes;
}

std::vector<int64_t> dense_widths(const KernelBenchReport& report) {
  std::vector<int64_t> widths;
  for (const KernelResult& row : report.results) {
    if (row.op == "ff" && std::find(widths.begin(), widths.end(), row.width) == widths.end()) widths.push_back(row.width);
  }
  return widths;
}

void print_machine(const SystemInfo& machine, std::ostream& out) {
  out << "CPU: " << machine.cpu_model << " | SIMD: " << machine.simd_target
      << (machine.has_avx512_bf16 ? " (+AVX512-BF16)" : "") << " | cores: " << machine.cores << "\n"
      << "OpenBLAS: " << machine.openblas << " | oneDNN: " << machine.onednn << "\n\n";
}

void print_results(const KernelBenchReport& report, std::ostream& out) {
  out << format("%-4s %-13s %-5s %6s %6s %7s %12s %12s %12s %9s\n", "op", "impl", "dtype", "width", "batch",
                "threads", "median_us/tok", "min_us/tok", "max_us/tok", "GFLOP/s");
  for (const KernelResult& row : report.results) {
    if (row.identical_inputs) continue;
    const std::string threads = row.device == "cpu" ? std::to_string(row.threads) : row.device;
    out << format("%-4s %-13s %-5s %6lld %6lld %7s %12.3f %12.3f %12.3f %9.2f\n", row.op.c_str(), row.impl.c_str(),
                  row.dtype.c_str(), static_cast<long long>(row.width), static_cast<long long>(row.batch),
                  threads.c_str(), row.median_us_per_token(), row.us_per_token(row.timing.min_seconds),
                  row.us_per_token(row.timing.max_seconds), row.gflops());
  }
}

void print_speedups(const KernelBenchReport& report, std::ostream& out) {
  const std::vector<int64_t> widths = dense_widths(report);
  out << "\nSpeed-up of each FFF variant (median vs median, same batch, threads and tokens)\n";
  for (const KernelResult& fff : report.results) {
    if (fff.op != "fff" || fff.identical_inputs) continue;
    const std::string threads = fff.device == "cpu" ? "threads " + std::to_string(fff.threads) : fff.device;
    std::string line = format("  %-13s %-5s batch %6lld %s:", fff.impl.c_str(), fff.dtype.c_str(),
                              static_cast<long long>(fff.batch), threads.c_str());
    for (int64_t width : widths) {
      for (const KernelResult& dense : report.results) {
        if (dense.op == "ff" && dense.width == width && dense.batch == fff.batch && dense.threads == fff.threads) {
          line += format(" %s-%lld %.1fx", dense.impl.c_str(), static_cast<long long>(width),
                         dense.timing.median_seconds / fff.timing.median_seconds);
        }
      }
      if (const KernelResult* best = best_dense(report, width, fff.batch, fff.threads)) {
        line += format(" | BEST-%lld (%s) %.1fx |", static_cast<long long>(width), best->impl.c_str(),
                       best->timing.median_seconds / fff.timing.median_seconds);
      }
      for (const std::string& dtype : dense_dtypes_if_several(report)) {
        if (const KernelResult* best = best_dense(report, width, fff.batch, fff.threads, dtype)) {
          line += format(" BEST-%lld-%s (%s) %.1fx |", static_cast<long long>(width), dtype.c_str(),
                         best->impl.c_str(), best->timing.median_seconds / fff.timing.median_seconds);
        }
      }
    }
    out << line << "\n";
  }
}

void print_paper_method(const KernelBenchReport& report, std::ostream& out) {
  bool header = false;
  for (const KernelResult& fff : report.results) {
    if (!fff.identical_inputs) continue;
    const int all_threads = *std::max_element(report.thread_counts.begin(), report.thread_counts.end());
    if (!header) {
      out << "\nThe paper's method: FFF on 1 thread with every token identical (one path, cache-hot) vs the\n"
             "best dense variant on " << all_threads << " threads. Not a fair comparison; shown to explain its 78x.\n";
      header = true;
    }
    std::string line = format("  %-13s batch %6lld: %10.3f us/token", fff.impl.c_str(),
                              static_cast<long long>(fff.batch), fff.median_us_per_token());
    for (int64_t width : dense_widths(report)) {
      if (const KernelResult* best = best_dense(report, width, fff.batch, all_threads)) {
        line += format(" | vs %s-%lld on %d threads: %.1fx", best->impl.c_str(), static_cast<long long>(width),
                       all_threads, best->timing.median_seconds / fff.timing.median_seconds);
      }
    }
    out << line << "\n";
  }
}

void print_gpu(const GpuDescription& gpu, std::ostream& out) {
  const GpuProbes& p = gpu.probes;
  out << "GPU: " << gpu.name << " | sm_" << gpu.compute_capability << " | " << gpu.multiprocessors << " SMs | L2 "
      << (gpu.l2_cache_bytes >> 20) << " MB | memory " << (gpu.memory_bytes >> 30) << " GB | driver " << gpu.driver
      << " (CUDA " << gpu.cuda_driver << ") | CUDA runtime " << gpu.cuda_runtime << "\n"
      << format("Measured on it: HBM read %.0f GB/s | HBM copy %.0f GB/s (read + written) | L2 read %.0f GB/s | L2 "
                "hit latency %.0f ns | empty kernel %.2f us from a graph, %.2f us launched by the host\n",
                p.hbm_read_bytes_per_second * 1e-9, p.hbm_copy_bytes_per_second * 1e-9,
                p.l2_read_bytes_per_second * 1e-9, p.l2_latency_seconds * 1e9,
                p.graph_kernel_seconds * 1e6, p.stream_kernel_seconds * 1e6)
      << "Timing: " << gpu.timing_method << "\n\n";
}

struct FffBounds {
  double compulsory_seconds = 0;  // per call
  double per_token_seconds = 0;
};

FffBounds fff_bounds(const KernelResult& row, const GpuDescription& gpu) {
  const FffTraffic call{row.hidden, row.depth.value_or(0), row.trees, row.batch, row.dtype == "bf16" ? 2 : 4,
                        gpu.l2_cache_bytes};
  // HBM traffic here is activations, x read and y written: a copy's pattern.
  const Bandwidths bandwidths{gpu.probes.hbm_copy_bytes_per_second, gpu.probes.l2_read_bytes_per_second};
  return {compulsory_traffic(call).seconds(bandwidths), per_token_traffic(call).seconds(bandwidths)};
}

// cuda_native forced onto the path it would not take at this batch (bench/cuda/cuda_kernel_bench.cc).
bool is_path_ablation(const KernelResult& row) { return row.impl.find(':') != std::string::npos; }

// The paper's GPU comparison (its naive FFF kernel against a naive dense kernel, both f32) next
// to the honest one (the fastest FFF against the fastest dense baseline, overall and per weight
// type).
void print_naive_and_best(const KernelBenchReport& report, std::ostream& out) {
  const auto find = [&](const char* op, int64_t width, int64_t batch, const std::string& dtype, const char* impl) {
    const KernelResult* found = nullptr;
    for (const KernelResult& row : report.results) {
      if (row.op == op && (width == 0 || row.width == width) && row.batch == batch && (dtype.empty() || row.dtype == dtype) &&
          (impl ? row.impl == impl : !is_path_ablation(row)) && (!found || row.timing.median_seconds < found->timing.median_seconds)) {
        found = &row;
      }
    }
    return found;
  };
  const auto ratio = [](const KernelResult* dense, const KernelResult* fff) {
    if (!dense || !fff) return std::string("-");
    return format("%.1fx (%s/%s vs %s/%s)", dense->timing.median_seconds / fff->timing.median_seconds,
                  fff->impl.c_str(), fff->dtype.c_str(), dense->impl.c_str(), dense->dtype.c_str());
  };
  out << "\nFFF over dense: the paper's comparison (naive FFF vs naive dense, f32) next to the honest one\n";
  std::vector<int64_t> batches;
  for (const KernelResult& row : report.results) {
    if (std::find(batches.begin(), batches.end(), row.batch) == batches.end()) batches.push_back(row.batch);
  }
  for (int64_t width : dense_widths(report)) {
    for (int64_t batch : batches) {
      out << format("  width %5lld batch %6lld | paper: ", static_cast<long long>(width), static_cast<long long>(batch))
          << ratio(find("ff", width, batch, "f32", "cuda_naive"), find("fff", 0, batch, "f32", "cuda_naive"))
          << " | best: " << ratio(find("ff", width, batch, "", nullptr), find("fff", 0, batch, "", nullptr));
      for (const char* dtype : {"f32", "bf16"}) {
        out << " | best " << dtype << ": "
            << ratio(find("ff", width, batch, dtype, nullptr), find("fff", 0, batch, dtype, nullptr));
      }
      out << "\n";
    }
  }
}

void print_memory_bounds(const KernelBenchReport& report, const GpuDescription& gpu, std::ostream& out) {
  out << "\nFFF time against the memory-hierarchy limit (docs/cuda.md): bytes through L2 and from HBM over the\n"
         "bandwidths measured above. compulsory: x, y, leaves and every distinct visited node once; per-token:\n"
         "every token reads its own path's nodes (no sharing beyond caches). At small batches the kernels are\n"
         "latency bound, far from either.\n";
  const GpuProbes& p = gpu.probes;
  for (const KernelResult& row : report.results) {
    if (row.op != "fff" || row.device != "cuda") continue;
    const FffBounds bounds = fff_bounds(row, gpu);
    const double time = row.timing.median_seconds;
    out << format("  %-27s %-4s batch %6lld: %10.4f us/token | compulsory %10.5f us/token (x%.1f) | per-token "
                  "%10.5f us/token (x%.1f)\n",
                  row.impl.c_str(), row.dtype.c_str(), static_cast<long long>(row.batch), row.median_us_per_token(),
                  row.us_per_token(bounds.compulsory_seconds), time / bounds.compulsory_seconds,
                  row.us_per_token(bounds.per_token_seconds), time / bounds.per_token_seconds);
    if (row.batch == 1 && row.impl == "cuda_native" && row.dtype == "f32") {
      const int levels = row.depth.value_or(0) + 1;
      out << format("    batch 1: %d dependent levels x L2 latency = %.2f us, one empty kernel from a graph %.2f us\n",
                    levels, levels * p.l2_latency_seconds * 1e6, p.graph_kernel_seconds * 1e6);
    }
  }
}

nlohmann::json to_json(const GpuDescription& gpu) {
  const GpuProbes& p = gpu.probes;
  return {{"name", gpu.name},
          {"compute_capability", gpu.compute_capability},
          {"multiprocessors", gpu.multiprocessors},
          {"l2_cache_bytes", gpu.l2_cache_bytes},
          {"memory_bytes", gpu.memory_bytes},
          {"driver", gpu.driver},
          {"cuda_driver", gpu.cuda_driver},
          {"cuda_runtime", gpu.cuda_runtime},
          {"timing_method", gpu.timing_method},
          {"probes",
           {{"hbm_read_gb_per_s", p.hbm_read_bytes_per_second * 1e-9},
            {"hbm_copy_gb_per_s", p.hbm_copy_bytes_per_second * 1e-9},
            {"l2_read_gb_per_s", p.l2_read_bytes_per_second * 1e-9},
            {"l2_latency_ns", p.l2_latency_seconds * 1e9},
            {"graph_empty_kernel_us", p.graph_kernel_seconds * 1e6},
            {"host_launched_empty_kernel_us", p.stream_kernel_seconds * 1e6}}}};
}

nlohmann::json to_json(const KernelResult& row, const std::optional<GpuDescription>& gpu) {
  nlohmann::json json = {{"op", row.op},
                         {"impl", row.impl},
                         {"hidden", row.hidden},
                         {"width", row.width},
                         {"depth", row.depth ? nlohmann::json(*row.depth) : nlohmann::json(nullptr)},
                         {"trees", row.trees},
                         {"batch", row.batch},
                         {"threads", row.device == "cpu" ? nlohmann::json(row.threads) : nlohmann::json(nullptr)},
                         {"device", row.device},
                         {"dtype", row.dtype},
                         {"median_us_per_token", row.median_us_per_token()},
                         {"min_us_per_token", row.us_per_token(row.timing.min_seconds)},
                         {"max_us_per_token", row.us_per_token(row.timing.max_seconds)},
                         {"repeats", row.timing.repeats},
                         {"gflops", row.gflops()}};
  if (row.identical_inputs) json["inputs"] = "identical (paper method)";
  if (gpu && row.op == "fff") {
    const FffBounds bounds = fff_bounds(row, *gpu);
    json["compulsory_traffic_bound_us_per_token"] = row.us_per_token(bounds.compulsory_seconds);
    json["per_token_traffic_bound_us_per_token"] = row.us_per_token(bounds.per_token_seconds);
  }
  return json;
}

}  // namespace

void print_kernel_report(const KernelBenchReport& report, std::ostream& out) {
  print_machine(report.machine, out);
  if (report.gpu) print_gpu(*report.gpu, out);
  print_results(report, out);
  print_speedups(report, out);
  print_paper_method(report, out);
  if (report.gpu) {
    print_naive_and_best(report, out);
    print_memory_bounds(report, *report.gpu, out);
  }
  if (!report.notes.empty()) out << "\nNotes:\n";
  for (const std::string& note : report.notes) out << "  " << note << "\n";
}

nlohmann::json machine_json(const SystemInfo& machine) {
  return {{"cpu", machine.cpu_model},         {"isa", machine.simd_target},
          {"avx512_bf16", machine.has_avx512_bf16}, {"cores", machine.cores},
          {"openblas", machine.openblas},       {"onednn", machine.onednn}};
}

void write_kernel_json(const KernelBenchReport& report, const std::filesystem::path& path) {
  nlohmann::json json = {{"machine", machine_json(report.machine)},
                         {"results", nlohmann::json::array()}};
  json["machine"]["threads"] = report.thread_counts;
  if (report.gpu) json["gpu"] = to_json(*report.gpu);
  for (const KernelResult& row : report.results) json["results"].push_back(to_json(row, report.gpu));

  write_file_atomically(path, json.dump(2) + "\n");
}

}  // namespace ufb::bench

#include "kernel_report.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>

#include "ufb/atomic_file.h"

namespace ufb::bench {
namespace {

std::string format(const char* pattern, auto... values) {
  char buffer[256];
  std::snprintf(buffer, sizeof buffer, pattern, values...);
  return buffer;
}

// The fastest dense result of this width at this batch and thread count, if any.
const KernelResult* best_dense(const KernelBenchReport& report, int64_t width, int64_t batch, int threads) {
  const KernelResult* best = nullptr;
  for (const KernelResult& row : report.results) {
    if (row.op == "ff" && row.width == width && row.batch == batch && row.threads == threads &&
        (!best || row.timing.median_seconds < best->timing.median_seconds)) {
      best = &row;
    }
  }
  return best;
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
    out << format("%-4s %-13s %-5s %6lld %6lld %7d %12.3f %12.3f %12.3f %9.2f\n", row.op.c_str(), row.impl.c_str(),
                  row.dtype.c_str(), static_cast<long long>(row.width), static_cast<long long>(row.batch),
                  row.threads, row.median_us_per_token(), row.us_per_token(row.timing.min_seconds),
                  row.us_per_token(row.timing.max_seconds), row.gflops());
  }
}

void print_speedups(const KernelBenchReport& report, std::ostream& out) {
  const std::vector<int64_t> widths = dense_widths(report);
  out << "\nSpeed-up of each FFF variant (median vs median, same batch, threads and tokens)\n";
  for (const KernelResult& fff : report.results) {
    if (fff.op != "fff" || fff.identical_inputs) continue;
    std::string line = format("  %-13s %-5s batch %6lld threads %d:", fff.impl.c_str(), fff.dtype.c_str(),
                              static_cast<long long>(fff.batch), fff.threads);
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
    }
    out << line << "\n";
  }
}

void print_paper_method(const KernelBenchReport& report, std::ostream& out) {
  const int all_threads = *std::max_element(report.thread_counts.begin(), report.thread_counts.end());
  bool header = false;
  for (const KernelResult& fff : report.results) {
    if (!fff.identical_inputs) continue;
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

nlohmann::json to_json(const KernelResult& row) {
  nlohmann::json json = {{"op", row.op},
                         {"impl", row.impl},
                         {"hidden", row.hidden},
                         {"width", row.width},
                         {"depth", row.depth ? nlohmann::json(*row.depth) : nlohmann::json(nullptr)},
                         {"trees", row.trees},
                         {"batch", row.batch},
                         {"threads", row.threads},
                         {"dtype", row.dtype},
                         {"median_us_per_token", row.median_us_per_token()},
                         {"min_us_per_token", row.us_per_token(row.timing.min_seconds)},
                         {"max_us_per_token", row.us_per_token(row.timing.max_seconds)},
                         {"repeats", row.timing.repeats},
                         {"gflops", row.gflops()}};
  if (row.identical_inputs) json["inputs"] = "identical (paper method)";
  return json;
}

}  // namespace

void print_kernel_report(const KernelBenchReport& report, std::ostream& out) {
  print_machine(report.machine, out);
  print_results(report, out);
  print_speedups(report, out);
  print_paper_method(report, out);
  if (!report.notes.empty()) out << "\nNotes:\n";
  for (const std::string& note : report.notes) out << "  " << note << "\n";
}

void write_kernel_json(const KernelBenchReport& report, const std::filesystem::path& path) {
  const SystemInfo& machine = report.machine;
  nlohmann::json json = {{"machine",
                          {{"cpu", machine.cpu_model},
                           {"isa", machine.simd_target},
                           {"avx512_bf16", machine.has_avx512_bf16},
                           {"cores", machine.cores},
                           {"threads", report.thread_counts},
                           {"openblas", machine.openblas},
                           {"onednn", machine.onednn}}},
                         {"results", nlohmann::json::array()}};
  for (const KernelResult& row : report.results) json["results"].push_back(to_json(row));

  write_file_atomically(path, json.dump(2) + "\n");
}

}  // namespace ufb::bench

// ufb_bench_cuda: FFF kernels against dense FF baselines on one CUDA GPU (docs/cuda.md).
//
// Every token has its own random input. Before timing, each kernel's output (and, for FFF,
// each token's leaf) on the first --check-rows tokens is compared with the CPU reference; a
// kernel that disagrees is reported, not timed, and makes the exit status 1. Times come from
// CUDA events after warm-up (see time_per_token), per token.
#include <cuda_runtime.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/error.h"
#include "ufb/ops/cuda/dense_ff_cuda.h"
#include "ufb/ops/cuda/fff_cuda.h"

namespace ufb::bench {
namespace {

using ops::WeightType;

struct Options {
  int64_t hidden = 768;
  int depth = 11;
  std::vector<int64_t> widths = {4095, 3072};
  std::vector<int64_t> batches = {1, 16, 128, 1024, 16384, 65536};
  std::vector<std::string> dtypes = {"f32", "bf16"};
  int64_t check_rows = 64;
  int64_t naive_dense_max_batch = 1024;
  int max_repeats = 30;
  double budget_ms = 300.0;  // timed work per row, at most
  std::vector<std::string> ops = {"fff", "ff"};
  std::vector<std::string> impls;  // empty: all
  std::string json_path;

  bool wanted(std::string_view op) const { return std::find(ops.begin(), ops.end(), op) != ops.end(); }
  bool wanted(std::string_view op, std::string_view impl) const {
    return wanted(op) && (impls.empty() || std::find(impls.begin(), impls.end(), impl) != impls.end());
  }
};

struct Timing {
  double median_us = 0, min_us = 0, max_us = 0;  // per token
};

struct Row {
  std::string op, impl, dtype;
  int64_t width = 0, batch = 0;
  Timing timing;
};

void check_cuda(cudaError_t status, const char* what) {
  if (status != cudaSuccess) throw Error(std::string("CUDA error in ") + what + ": " + cudaGetErrorString(status));
}

using Call = std::function<void(cudaStream_t)>;

class EventPair {
 public:
  EventPair() {
    check_cuda(cudaEventCreate(&start_), "cudaEventCreate");
    check_cuda(cudaEventCreate(&stop_), "cudaEventCreate");
  }
  ~EventPair() {
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
  }
  EventPair(const EventPair&) = delete;
  EventPair& operator=(const EventPair&) = delete;

  double time_ms(const std::function<void()>& work, cudaStream_t stream) {
    check_cuda(cudaEventRecord(start_, stream), "cudaEventRecord");
    work();
    check_cuda(cudaEventRecord(stop_, stream), "cudaEventRecord");
    check_cuda(cudaEventSynchronize(stop_), "cudaEventSynchronize");
    float ms = 0.0f;
    check_cuda(cudaEventElapsedTime(&ms, start_, stop_), "cudaEventElapsedTime");
    return ms;
  }

 private:
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
};

// `group` calls captured into one CUDA graph, so that timing its replays measures the GPU's work
// without the host's launch overhead (a few µs per launch here, more than a small FFF call
// takes): the way an inference engine runs small batches.
class CallGraph {
 public:
  CallGraph(const Call& call, int group, cudaStream_t stream) {
    check_cuda(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
    for (int i = 0; i < group; ++i) call(stream);
    cudaGraph_t graph = nullptr;
    check_cuda(cudaStreamEndCapture(stream, &graph), "cudaStreamEndCapture");
    const cudaError_t status = cudaGraphInstantiate(&exec_, graph, 0);
    cudaGraphDestroy(graph);
    check_cuda(status, "cudaGraphInstantiate");
  }
  ~CallGraph() { cudaGraphExecDestroy(exec_); }
  CallGraph(const CallGraph&) = delete;
  CallGraph& operator=(const CallGraph&) = delete;

  void launch(cudaStream_t stream) const { check_cuda(cudaGraphLaunch(exec_, stream), "cudaGraphLaunch"); }

 private:
  cudaGraphExec_t exec_ = nullptr;
};

// One sample is the mean time of a group of back-to-back calls (a graph of enough calls for
// ~0.2 ms of GPU time); the table gives the median, min and max sample, per token.
Timing time_per_token(const Call& call, int64_t batch, const Options& options, cudaStream_t stream) {
  EventPair events;
  double single_ms = 0.0;
  for (int i = 0; i < 3; ++i) single_ms = events.time_ms([&] { call(stream); }, stream);  // warm-up
  const int group = std::clamp(static_cast<int>(0.2 / std::max(single_ms, 1e-4)), 1, 100);
  const CallGraph graph(call, group, stream);
  graph.launch(stream);
  const int samples =
      std::clamp(static_cast<int>(options.budget_ms / (single_ms * group)), 5, options.max_repeats);
  std::vector<double> times;
  for (int r = 0; r < samples; ++r) {
    times.push_back(events.time_ms([&] { graph.launch(stream); }, stream) * 1000.0 / double(group * batch));
  }
  std::sort(times.begin(), times.end());
  const size_t n = times.size();
  const double median = n % 2 ? times[n / 2] : 0.5 * (times[n / 2 - 1] + times[n / 2]);
  return {median, times.front(), times.back()};
}

void expect_close(const std::string& what, std::span<const float> actual, std::span<const float> expected,
                  double tolerance) {
  const double error = ops::relative_error(actual, expected);
  if (!(error <= tolerance)) {
    std::ostringstream message;
    message << what << ": output differs from the CPU reference by " << error << " of its scale (allowed "
            << tolerance << ")";
    throw Error(message.str());
  }
}

double dense_tolerance(ops::DenseFfCudaImpl impl) {
  switch (impl) {
    case ops::DenseFfCudaImpl::cublaslt_tf32: return 5e-3;
    case ops::DenseFfCudaImpl::cublaslt_bf16: return 3e-2;
    default: return 3e-5;
  }
}

// "NVRM version: NVIDIA UNIX x86_64 Kernel Module for x86_64  580.159.04  Release Build ..."
std::string driver_version() {
  std::ifstream file("/proc/driver/nvidia/version");
  std::string line;
  std::getline(file, line);
  const size_t module = line.find("Kernel Module");
  if (module == std::string::npos) return "unknown";
  std::istringstream words(line.substr(module));
  for (std::string word; words >> word;) {
    if (std::isdigit(static_cast<unsigned char>(word.front())) && word.find('.') != std::string::npos) return word;
  }
  return "unknown";
}

std::string cuda_version(int version) { return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10); }

class Bench {
 public:
  explicit Bench(const Options& options) : options_(options), rng_(20240611) {
    check_cuda(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  ~Bench() { cudaStreamDestroy(stream_); }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  // Returns the number of rows that failed their check (and were not timed).
  int run() {
    const int64_t max_batch = *std::max_element(options_.batches.begin(), options_.batches.end());
    const ops::FffLayer fff = ops::random_fff_layer({options_.hidden, options_.depth, 1}, rng_);
    std::map<int64_t, ops::DenseFfLayer> dense;
    for (const int64_t width : options_.widths) dense[width] = ops::random_dense_ff_layer({options_.hidden, width}, false, rng_);
    x_device_ = cuda::DeviceBuffer<float>(max_batch * options_.hidden);
    y_device_ = cuda::DeviceBuffer<float>(max_batch * options_.hidden);
    leaves_device_ = cuda::DeviceBuffer<int32_t>(max_batch);

    for (const std::string& dtype_name : options_.dtypes) {
      const WeightType dtype = ops::parse_weight_type(dtype_name);
      const bool bf16 = dtype == WeightType::bf16;
      const ops::FffLayer fff_expected = bf16 ? ops::rounded_to_bf16(fff) : fff;
      const std::vector<float> x =
          ops::tokens_with_routing_margin(fff_expected.view(), max_batch, 1e-3f, rng_, options_.check_rows);
      x_device_.upload(x);
      const int64_t rows = std::min(options_.check_rows, max_batch);
      const std::span<const float> checked_x(x.data(), rows * options_.hidden);

      std::vector<float> fff_y(checked_x.size());
      std::vector<int32_t> fff_leaves(rows);
      ops::make_fff_kernel(ops::FffImpl::reference, fff_expected.view())->forward(checked_x, rows, fff_y, fff_leaves);
      for (const ops::FffCudaImpl impl : ops::all_fff_cuda_impls()) {
        if (!options_.wanted("fff", to_string(impl))) continue;
        const auto kernel = ops::make_fff_cuda_kernel(impl, fff.view(), dtype);
        for (const int64_t batch : options_.batches) {
          const std::string what = std::string(to_string(impl)) + " " + dtype_name + " batch " + std::to_string(batch);
          const Call call = [&](cudaStream_t stream) {
            kernel->forward_device(x_device_.data(), batch, y_device_.data(), leaves_device_.data(), stream);
          };
          call(stream_);
          if (!checked(what, batch, fff_y, 2e-5, &fff_leaves)) continue;
          add_row({"fff", std::string(to_string(impl)), dtype_name, fff.shape.neurons(), batch, time_per_token(call, batch, options_, stream_)});
        }
      }

      for (const auto& [width, layer] : dense) {
        if (!options_.wanted("ff")) continue;
        const ops::DenseFfLayer dense_expected = bf16 ? ops::rounded_to_bf16(layer) : layer;
        std::vector<float> dense_y(checked_x.size());
        ops::make_dense_ff_kernel(ops::DenseFfImpl::reference, dense_expected.view())->forward(checked_x, rows, dense_y);
        for (const ops::DenseFfCudaImpl impl : ops::all_dense_ff_cuda_impls()) {
          if (!ops::supports(impl, dtype) || !options_.wanted("ff", to_string(impl))) continue;
          const auto kernel = ops::make_dense_ff_cuda_kernel(impl, layer.view(), dtype);
          for (const int64_t batch : options_.batches) {
            if (impl == ops::DenseFfCudaImpl::naive && batch > options_.naive_dense_max_batch) continue;
            const std::string what = std::string(to_string(impl)) + " " + dtype_name + " width " +
                                     std::to_string(width) + " batch " + std::to_string(batch);
            const Call call = [&](cudaStream_t stream) {
              kernel->forward_device(x_device_.data(), batch, y_device_.data(), stream);
            };
            call(stream_);
            if (!checked(what, batch, dense_y, dense_tolerance(impl), nullptr)) continue;
            add_row({"ff", std::string(to_string(impl)), dtype_name, width, batch, time_per_token(call, batch, options_, stream_)});
          }
        }
      }
    }
    print_speedups();
    print_summary();
    if (!options_.json_path.empty()) write_json();
    return failures_;
  }

 private:
  // Compares the first rows of the last call's output with the reference; reports a mismatch.
  bool checked(const std::string& what, int64_t batch, const std::vector<float>& expected_all, double tolerance,
               const std::vector<int32_t>* expected_leaves) {
    try {
      check_rows(what, batch, expected_all, tolerance, expected_leaves);
      return true;
    } catch (const Error& error) {
      std::printf("CHECK FAILED: %s\n", error.what());
      ++failures_;
      return false;
    }
  }

  void check_rows(const std::string& what, int64_t batch, const std::vector<float>& expected_all, double tolerance,
                  const std::vector<int32_t>* expected_leaves) {
    cuda::synchronize();
    const int64_t rows = std::min(batch, options_.check_rows);
    std::vector<float> y(rows * options_.hidden);
    cuda::copy_to_host(y.data(), y_device_.data(), y.size() * sizeof(float));
    expect_close(what, y, std::span<const float>(expected_all).first(y.size()), tolerance);
    if (expected_leaves) {
      std::vector<int32_t> leaves(rows);
      cuda::copy_to_host(leaves.data(), leaves_device_.data(), leaves.size() * sizeof(int32_t));
      if (!std::equal(leaves.begin(), leaves.end(), expected_leaves->begin())) {
        throw Error(what + ": a token took a different path than in the CPU reference");
      }
    }
  }

  void add_row(Row row) {
    std::printf("%-3s %-14s %-5s width %5lld batch %6lld  %10.4f us/token  (min %.4f, max %.4f)\n", row.op.c_str(),
                row.impl.c_str(), row.dtype.c_str(), static_cast<long long>(row.width),
                static_cast<long long>(row.batch), row.timing.median_us, row.timing.min_us, row.timing.max_us);
    std::fflush(stdout);
    rows_.push_back(std::move(row));
  }

  // For each batch: every FFF row's speed-up over each dense row of the first width, and over
  // the best dense row of each width (any implementation, any dtype).
  void print_speedups() const {
    const int64_t main_width = options_.widths.front();
    for (const int64_t batch : options_.batches) {
      std::vector<const Row*> fff_rows, dense_rows;
      std::map<int64_t, double> best_dense;
      for (const Row& row : rows_) {
        if (row.batch != batch) continue;
        if (row.op == "fff") {
          fff_rows.push_back(&row);
        } else {
          if (row.width == main_width) dense_rows.push_back(&row);
          auto [it, inserted] = best_dense.emplace(row.width, row.timing.median_us);
          if (!inserted) it->second = std::min(it->second, row.timing.median_us);
        }
      }
      std::printf("\nbatch %lld: speed-up of FFF (depth %d) over dense FF (median time ratio)\n",
                  static_cast<long long>(batch), options_.depth);
      std::printf("%-22s", "FFF \\ dense");
      for (const Row* d : dense_rows) std::printf(" %18s", (d->impl + "/" + d->dtype).c_str());
      for (const auto& [width, best] : best_dense) std::printf("     best w%-5lld", static_cast<long long>(width));
      std::printf("\n");
      for (const Row* f : fff_rows) {
        std::printf("%-22s", (f->impl + "/" + f->dtype).c_str());
        for (const Row* d : dense_rows) std::printf(" %17.1fx", d->timing.median_us / f->timing.median_us);
        for (const auto& [width, best] : best_dense) std::printf(" %15.1fx", best / f->timing.median_us);
        std::printf("\n");
      }
    }
  }

  // The paper's GPU comparison (its naive FFF kernel against a naive dense kernel) next to the
  // honest one (the fastest FFF against the fastest dense baseline, any dtype).
  void print_summary() const {
    const auto find = [&](const std::string& op, const std::string& impl, const std::string& dtype, int64_t width,
                          int64_t batch) -> const Row* {
      for (const Row& row : rows_) {
        if (row.op == op && row.impl == impl && row.dtype == dtype && row.width == width && row.batch == batch) {
          return &row;
        }
      }
      return nullptr;
    };
    const auto best = [&](const std::string& op, int64_t width, int64_t batch) -> const Row* {
      const Row* found = nullptr;
      for (const Row& row : rows_) {
        if (row.op == op && (op == "fff" || row.width == width) && row.batch == batch &&
            (!found || row.timing.median_us < found->timing.median_us)) {
          found = &row;
        }
      }
      return found;
    };
    const int64_t fff_width = (int64_t{2} << options_.depth) - 1;
    std::printf("\nsummary: speed-up of FFF over dense FF\n%8s %26s", "batch", "naive/naive (paper-style)");
    for (const int64_t width : options_.widths) std::printf("   best FFF / best dense w%-5lld", static_cast<long long>(width));
    std::printf("\n");
    for (const int64_t batch : options_.batches) {
      std::printf("%8lld", static_cast<long long>(batch));
      const Row* naive_fff = find("fff", "cuda_naive", "f32", fff_width, batch);
      const Row* naive_dense = find("ff", "cuda_naive", "f32", options_.widths.front(), batch);
      if (naive_fff && naive_dense) {
        std::printf(" %25.1fx", naive_dense->timing.median_us / naive_fff->timing.median_us);
      } else {
        std::printf(" %26s", "-");
      }
      const Row* fastest = best("fff", 0, batch);
      for (const int64_t width : options_.widths) {
        const Row* dense = best("ff", width, batch);
        if (fastest && dense) {
          std::printf("   %6.1fx (%s/%s vs %s/%s)", dense->timing.median_us / fastest->timing.median_us,
                      fastest->impl.c_str(), fastest->dtype.c_str(), dense->impl.c_str(), dense->dtype.c_str());
        }
      }
      std::printf("\n");
    }
  }

  void write_json() const {
    const cuda::DeviceInfo info = cuda::current_device_info();
    nlohmann::json machine = {{"gpu", info.name},
                              {"compute_capability", info.compute_capability},
                              {"multiprocessors", info.multiprocessors},
                              {"l2_cache_bytes", info.l2_cache_bytes},
                              {"driver", driver_version()},
                              {"cuda_driver_api", cuda_version(info.driver_version)},
                              {"cuda_runtime", cuda_version(info.runtime_version)}};
    nlohmann::json rows = nlohmann::json::array();
    for (const Row& row : rows_) {
      const bool fff = row.op == "fff";
      rows.push_back({{"op", row.op},
                      {"impl", row.impl},
                      {"hidden", options_.hidden},
                      {"width", row.width},
                      {"depth", fff ? nlohmann::json(options_.depth) : nlohmann::json(nullptr)},
                      {"trees", fff ? nlohmann::json(1) : nlohmann::json(nullptr)},
                      {"batch", row.batch},
                      {"threads", nullptr},
                      {"dtype", row.dtype},
                      {"device", "cuda"},
                      {"median_us_per_token", row.timing.median_us},
                      {"min_us_per_token", row.timing.min_us},
                      {"max_us_per_token", row.timing.max_us}});
    }
    std::ofstream out(options_.json_path);
    const std::string method =
        "CUDA events around replays of a CUDA graph of back-to-back calls (~0.2 ms of GPU work) after "
        "3 warm-up calls; median, min and max over the replays, per token; weights resident in L2";
    out << nlohmann::json{{"machine", machine}, {"method", method}, {"rows", rows}}.dump(1) << "\n";
    if (!out) throw Error("cannot write " + options_.json_path);
  }

  Options options_;
  std::mt19937 rng_;
  cudaStream_t stream_ = nullptr;
  cuda::DeviceBuffer<float> x_device_;
  cuda::DeviceBuffer<float> y_device_;
  cuda::DeviceBuffer<int32_t> leaves_device_;
  std::vector<Row> rows_;
  int failures_ = 0;
};

}  // namespace
}  // namespace ufb::bench

int main(int argc, char** argv) {
  ufb::bench::Options options;
  CLI::App app("FFF against dense FF on a CUDA GPU");
  app.add_option("--hidden", options.hidden, "hidden size");
  app.add_option("--depth", options.depth, "FFF tree depth");
  app.add_option("--widths", options.widths, "dense FF widths; speed-ups are against the first");
  app.add_option("--batches", options.batches, "batch sizes (tokens per call)");
  app.add_option("--dtypes", options.dtypes, "weight types: f32, bf16");
  app.add_option("--check-rows", options.check_rows, "tokens per call compared with the CPU reference");
  app.add_option("--naive-dense-max-batch", options.naive_dense_max_batch, "largest batch for the slow naive dense");
  app.add_option("--max-repeats", options.max_repeats, "timed calls per row, at most (at least 5)");
  app.add_option("--budget-ms", options.budget_ms, "timed GPU time per row, roughly");
  app.add_option("--ops", options.ops, "fff, ff or both");
  app.add_option("--impls", options.impls, "only these implementations (default: all)");
  app.add_option("--json", options.json_path, "write the rows as JSON here");
  CLI11_PARSE(app, argc, argv);
  try {
    const ufb::cuda::DeviceInfo info = ufb::cuda::current_device_info();
    std::printf("GPU: %s (sm_%d, %d SMs, %lld MB L2)\n", info.name.c_str(), info.compute_capability,
                info.multiprocessors, static_cast<long long>(info.l2_cache_bytes >> 20));
    const int failures = ufb::bench::Bench(options).run();
    if (failures > 0) {
      std::fprintf(stderr, "error: %d kernel(s) disagreed with the CPU reference\n", failures);
      return 1;
    }
  } catch (const ufb::Error& error) {
    std::fprintf(stderr, "error: %s\n", error.what());
    return 1;
  }
  return 0;
}

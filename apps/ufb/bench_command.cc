#include "bench_command.h"

#include <iostream>
#include <memory>

#include "bench_model_command.h"
#include "common_options.h"
#include "kernel_bench.h"
#include "kernel_report.h"
#include "ufb/device.h"
#include "ufb/error.h"

namespace ufb::cli {
namespace {

struct BenchKernelsFlags {
  bench::KernelBenchOptions options;
  std::vector<std::string> fff_impls = {"masked_dense", "blas_l1", "blas_l2", "native"};
  std::vector<std::string> dense_impls = {"blas_l1", "blas_l2", "blas_l3", "onednn"};
  bool quick = false;
  std::string json_path;
};

void apply_quick(bench::KernelBenchOptions& options) {
  options.batches = {1, 128, 4096};
  options.threads = {1};
  options.dense_widths = {4095};
  options.min_seconds = 0.1;
  options.min_repeats = 3;
  options.max_call_seconds = 1.5;
}

// On --device cuda, --fff-impls and --dense-impls name CUDA variants (all when not given) and
// the batches go up to 65536 unless given.
void apply_cuda_defaults(BenchKernelsFlags& flags, const CLI::App& command) {
  bench::KernelBenchOptions& options = flags.options;
  if (command.count("--fff-impls")) options.cuda_fff_impls = flags.fff_impls;
  if (command.count("--dense-impls")) options.cuda_dense_impls = flags.dense_impls;
  if (!command.count("--batches") && !flags.quick) options.batches = {1, 16, 128, 1024, 16384, 65536};
}

void run_bench_kernels(BenchKernelsFlags& flags, const CLI::App& command) {
  bench::KernelBenchOptions& options = flags.options;
  if (flags.quick) {
    const bench::KernelBenchOptions explicit_options = options;
    apply_quick(options);
    // Flags given next to --quick still win.
    if (command.count("--batches")) options.batches = explicit_options.batches;
    if (command.count("--threads")) options.threads = explicit_options.threads;
    if (command.count("--dense-widths")) options.dense_widths = explicit_options.dense_widths;
  }
  if (parse_device(options.device).is_cuda()) {
    apply_cuda_defaults(flags, command);
  } else {
    options.fff_impls.clear();
    for (const std::string& name : flags.fff_impls) options.fff_impls.push_back(bench::parse_fff_form(name));
    options.dense_impls.clear();
    for (const std::string& name : flags.dense_impls) options.dense_impls.push_back(bench::parse_dense_form(name));
  }

  const bench::KernelBenchReport report = bench::run_kernel_bench(options, std::cerr);
  std::cout << "\n";
  bench::print_kernel_report(report, std::cout);
  if (!flags.json_path.empty()) {
    bench::write_kernel_json(report, flags.json_path);
    std::cerr << "wrote " << flags.json_path << "\n";
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  CLI::App* bench = app.add_subcommand("bench", "Benchmarks");
  bench->require_subcommand(1);
  CLI::App* kernels = bench->add_subcommand(
      "kernels", "FFF (conditional matmul) variants vs dense feedforward baselines, checked then timed");
  auto flags = std::make_shared<BenchKernelsFlags>();
  bench::KernelBenchOptions& o = flags->options;
  kernels->add_option("--hidden", o.hidden, "Hidden size")->capture_default_str()->check(CLI::Range(1, 65536));
  add_fff_depth_option(*kernels, o.depth);
  add_fff_trees_option(*kernels, o.trees);
  kernels->add_option("--dense-widths", o.dense_widths, "Dense FF widths")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  kernels->add_option("--batches", o.batches, "Batch sizes (tokens per call)")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  add_thread_counts_option(*kernels, o.threads);
  kernels->add_option("--fff-impls", flags->fff_impls, "FFF variants")->delimiter(',')->capture_default_str();
  kernels->add_option("--dense-impls", flags->dense_impls, "Dense variants")->delimiter(',')->capture_default_str();
  kernels->add_flag("!--no-bf16", o.native_bf16, "Skip the bf16-weight native FFF");
  kernels->add_flag("!--no-int8", o.native_int8, "Skip the int8 native FFF");
  add_min_seconds_option(*kernels, o.min_seconds);
  add_min_repeats_option(*kernels, o.min_repeats);
  kernels->add_option("--max-call-seconds", o.max_call_seconds,
                      "Skip a case whose single call is predicted to take longer")->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  kernels->add_flag("--paper-method", o.paper_method,
                    "Also run the paper's comparison: FFF 1-thread on identical tokens vs dense on all cores");
  add_seed_option(*kernels, o.seed);
  kernels->add_flag("--quick", flags->quick, "Short run: batches 1,128,4096, 1 thread, width 4095");
  add_json_report_option(*kernels, flags->json_path);
  // On a GPU, --fff-impls and --dense-impls name CUDA variants (default all) and the batches
  // default to 1..65536 (docs/cuda.md).
  add_device_option(*kernels, o.device);
  kernels->add_option("--cuda-naive-dense-max-batch", o.cuda_naive_dense_max_batch,
                      "--device cuda: largest batch for the slow naive dense kernel")->capture_default_str()
      ->check(CLI::Range(int64_t{0}, int64_t{1} << 20));
  kernels->callback([flags, kernels] { run_bench_kernels(*flags, *kernels); });
  add_bench_model_command(*bench);
}

}  // namespace ufb::cli

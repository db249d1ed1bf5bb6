#include "bench_model_command.h"

#include <iostream>
#include <memory>

#include "common_options.h"
#include "model_bench.h"
#include "ufb/device.h"

namespace ufb::cli {
namespace {

struct BenchModelFlags {
  bench::ModelBenchOptions options;
  std::string device = "cpu";
  std::string model_dir;
  std::string json_path;
  bool quick = false;
};

void run_bench_model(BenchModelFlags& flags, const CLI::App& command) {
  bench::ModelBenchOptions& options = flags.options;
  options.model_dir = flags.model_dir;
  options.device = parse_device(flags.device);
  // The GPU runs f32 and bf16; the host's threads only embed and wait, so one count is enough.
  if (options.device.is_cuda()) {
    if (!command.count("--dtype")) options.dtypes = {"f32", "bf16"};
    if (!command.count("--threads")) options.threads = {0};
  }
  if (flags.quick) {
    options.min_seconds = 0.2;
    options.min_repeats = 2;
    if (!command.count("--batch")) options.batches = {1};
    if (!command.count("--threads")) options.threads = {0};
  }
  const bench::ModelBenchReport report = bench::run_model_bench(options, std::cerr);
  std::cout << "\n";
  bench::print_model_report(report, std::cout);
  if (!flags.json_path.empty()) {
    bench::write_model_json(report, flags.json_path);
    std::cerr << "wrote " << flags.json_path << "\n";
  }
}

}  // namespace

void add_bench_model_command(CLI::App& bench) {
  CLI::App* command = bench.add_subcommand(
      "model", "Whole encoder end to end: UltraFastBERT-1x11 vs dense-FF encoders (or --model DIR)");
  auto flags = std::make_shared<BenchModelFlags>();
  bench::ModelBenchOptions& o = flags->options;
  add_model_option(*command, flags->model_dir, WithoutModel::random_weights);
  command->add_option("--batch", o.batches, "Sequences per forward pass")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(1, 4096));
  add_thread_counts_option(*command, o.threads);
  command->add_option("--seq", o.sequence_length, "Tokens per sequence")->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  add_dtypes_option(*command, o.dtypes);
  add_device_option(*command, flags->device);
  add_min_seconds_option(*command, o.min_seconds);
  add_min_repeats_option(*command, o.min_repeats);
  add_seed_option(*command, o.seed);
  command->add_flag("--quick", flags->quick, "Short run: batch 1, all cores, few repeats");
  add_json_report_option(*command, flags->json_path);
  command->callback([flags, command] { run_bench_model(*flags, *command); });
}

}  // namespace ufb::cli

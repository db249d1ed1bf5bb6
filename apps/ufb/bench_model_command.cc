#include "bench_model_command.h"

#include <iostream>
#include <memory>

#include "model_bench.h"

namespace ufb::cli {
namespace {

struct BenchModelFlags {
  bench::ModelBenchOptions options;
  std::string model_dir;
  std::string json_path;
  bool quick = false;
};

void run_bench_model(BenchModelFlags& flags, const CLI::App& command) {
  bench::ModelBenchOptions& options = flags.options;
  options.model_dir = flags.model_dir;
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
  command->add_option("--model", flags->model_dir, "Time this checkpoint instead of random-weight models")
      ->check(CLI::ExistingDirectory);
  command->add_option("--batch", o.batches, "Sequences per forward pass")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(1, 4096));
  command->add_option("--threads", o.threads, "Thread counts (0 = all cores)")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(0, 1024));
  command->add_option("--seq", o.sequence_length, "Tokens per sequence")->capture_default_str()
      ->check(CLI::Range(1, 1 << 16));
  command->add_option("--dtype", o.dtypes, "Precisions to time: f32, bf16, int8")->delimiter(',')
      ->capture_default_str()->check(CLI::IsMember({"f32", "bf16"}));
  command->add_option("--min-seconds", o.min_seconds, "Minimum timed seconds per case")->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
  command->add_option("--min-repeats", o.min_repeats, "Minimum timed repeats per case")->capture_default_str()
      ->check(CLI::Range(1, 100000));
  command->add_option("--seed", o.seed, "Random seed of weights and tokens")->capture_default_str();
  command->add_flag("--quick", flags->quick, "Short run: batch 1, all cores, few repeats");
  command->add_option("--json", flags->json_path, "Also write the results as JSON to this file");
  command->callback([flags, command] { run_bench_model(*flags, *command); });
}

}  // namespace ufb::cli

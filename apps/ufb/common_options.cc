#include "common_options.h"

#include "ufb/device.h"
#include "ufb/error.h"
#include "ufb/model/builtin_model.h"

namespace ufb::cli {
namespace {

const std::vector<std::string> kDtypes = {"f32", "bf16", "int8"};
const std::vector<std::string> kPoolings = {"mean", "first", "cls", "max", "mean_sqrt_len", "pooler"};
const char* const kPoolingHelp = "mean | first | max | mean_sqrt_len | pooler (the model's pooler)";
const char* const kPoolingDefault = "default: the model's own (sentence-transformers modules), else mean";

}  // namespace

CLI::Option* add_model_option(CLI::App& command, std::string& model_dir, WithoutModel without) {
  std::string help = "Model directory (config.json + model.safetensors or pytorch_model.bin";
  switch (without) {
    case WithoutModel::refuse: break;
    case WithoutModel::builtin: help += "; default: the " + std::string(model::kBuiltinModelName); break;
    case WithoutModel::random_weights: help += "; default: random-weight UltraFastBERT-1x11 and dense-FF encoders"; break;
  }
  CLI::Option* option = command.add_option("--model", model_dir, help + ")")->check(CLI::ExistingDirectory);
  if (without == WithoutModel::refuse) option->required();
  return option;
}

CLI::Option* add_tokenizer_option(CLI::App& command, std::string& path, bool required) {
  CLI::Option* option =
      command.add_option("--tokenizer", path, required ? "tokenizer.json or vocab.txt" : "tokenizer.json or vocab.txt (default: the model's)")
          ->check(CLI::ExistingFile);
  if (required) option->required();
  return option;
}

CLI::Option* add_threads_option(CLI::App& command, int& threads) {
  return command.add_option("--threads", threads, "Threads (0 = all cores)")->capture_default_str()->check(CLI::Range(0, 1024));
}

CLI::Option* add_dtype_option(CLI::App& command, std::string& dtype) {
  return command.add_option("--dtype", dtype, "Precision: f32, bf16 or int8 (docs/model.md §6)")->capture_default_str()
      ->check(CLI::IsMember(kDtypes));
}

CLI::Option* add_device_option(CLI::App& command, std::string& device) {
  const CLI::Validator known_device(
      [](const std::string& name) {
        try {
          parse_device(name);
          return std::string();
        } catch (const Error& error) {
          return std::string(error.what());
        }
      },
      "cpu|cuda|cuda:N");
  return command.add_option("--device", device, "Where the encoder runs: cpu, cuda or cuda:N (docs/cuda.md)")
      ->capture_default_str()->check(known_device);
}

CLI::Option* add_file_option(CLI::App& command, std::string& file) {
  return command.add_option("--file", file, "Read inputs from a file, one per line or JSONL (- = stdin)")->capture_default_str();
}

CLI::Option* add_max_length_option(CLI::App& command, int64_t& max_length) {
  return command
      .add_option("--max-length", max_length,
                  "Truncate inputs to this many tokens, special tokens included (default: the model's limit)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20));
}

CLI::Option* add_json_lines_flag(CLI::App& command, bool& json) {
  return command.add_flag("--json", json, "One JSON object per input on stdout");
}

CLI::Option* add_pooling_option(CLI::App& command, std::string& pooling, bool per_token) {
  std::vector<std::string> names = kPoolings;
  std::string help = kPoolingHelp;
  if (per_token) {
    names.push_back("none");
    help += " | none (one vector per token)";
  }
  return command.add_option("--pooling", pooling, help + "; " + kPoolingDefault)->check(CLI::IsMember(names));
}

CLI::Option* add_thread_counts_option(CLI::App& command, std::vector<int>& threads) {
  return command.add_option("--threads", threads, "Thread counts (0 = all cores)")->delimiter(',')->capture_default_str()
      ->check(CLI::Range(0, 1024));
}

CLI::Option* add_dtypes_option(CLI::App& command, std::vector<std::string>& dtypes) {
  return command.add_option("--dtype", dtypes, "Precisions to time: f32, bf16, int8")->delimiter(',')->capture_default_str()
      ->check(CLI::IsMember(kDtypes));
}

CLI::Option* add_min_seconds_option(CLI::App& command, double& seconds) {
  return command.add_option("--min-seconds", seconds, "Minimum timed seconds per case")->capture_default_str()
      ->check(CLI::Range(0.0, 3600.0));
}

CLI::Option* add_min_repeats_option(CLI::App& command, int& repeats) {
  return command.add_option("--min-repeats", repeats, "Minimum timed repeats per case")->capture_default_str()
      ->check(CLI::Range(1, 100000));
}

CLI::Option* add_json_report_option(CLI::App& command, std::string& path) {
  return command.add_option("--json", path, "Also write the results as JSON to this file");
}

CLI::Option* add_lr_option(CLI::App& command, double& peak) {
  return command.add_option("--lr", peak, "Peak learning rate")->capture_default_str()->check(CLI::PositiveNumber);
}

CLI::Option* add_warmup_option(CLI::App& command, double& fraction) {
  return command.add_option("--warmup", fraction, "Warm-up share of the training (0.5 with linear decay: one-cycle triangle)")
      ->capture_default_str()->check(CLI::Range(0.0, 1.0));
}

CLI::Option* add_weight_decay_option(CLI::App& command, double& weight_decay) {
  return command.add_option("--weight-decay", weight_decay, "AdamW weight decay")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

CLI::Option* add_clip_option(CLI::App& command, double& clip_norm) {
  return command.add_option("--clip", clip_norm, "Gradient clipping: maximum global norm (0 = none)")->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

CLI::Option* add_log_every_option(CLI::App& command, int64_t& steps) {
  return command.add_option("--log-every", steps, "Steps between log lines")->capture_default_str()->check(CLI::PositiveNumber);
}

CLI::Option* add_steps_option(CLI::App& command, int64_t& steps) {
  return command.add_option("--steps", steps, "Optimizer steps in total")->check(CLI::PositiveNumber);
}

CLI::Option* add_budget_option(CLI::App& command, std::string& budget) {
  return command.add_option("--budget", budget, "Training time in total, e.g. 2h, 90m");
}

CLI::Option* add_resume_option(CLI::App& command, std::string& dir) {
  return command.add_option("--resume", dir, "Continue the checkpoint in this folder")->check(CLI::ExistingDirectory);
}

CLI::Option* add_schedule_option(CLI::App& command, std::string& schedule) {
  return command.add_option("--schedule", schedule, "constant or linear (warm-up, then linear decay to 0)")
      ->capture_default_str();
}

CLI::Option* add_checkpoint_every_option(CLI::App& command, int64_t& steps) {
  return command.add_option("--checkpoint-every", steps, "Steps between checkpoints")->capture_default_str()
      ->check(CLI::PositiveNumber);
}

CLI::Option* add_fff_depth_option(CLI::App& command, int& depth) {
  return command.add_option("--depth", depth, "FFF tree depth")->capture_default_str()->check(CLI::Range(0, 16));
}

CLI::Option* add_fff_trees_option(CLI::App& command, int64_t& trees) {
  return command.add_option("--trees", trees, "FFF parallel trees")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{64}));
}

namespace {
const char* const kSeedHelp = "Random seed (initialisation, data order, masking, dropout; benchmarks: weights and tokens)";
}

CLI::Option* add_seed_option(CLI::App& command, uint64_t& seed) {
  return command.add_option("--seed", seed, kSeedHelp)->capture_default_str();
}

CLI::Option* add_seed_option(CLI::App& command, unsigned& seed) {
  return command.add_option("--seed", seed, kSeedHelp)->capture_default_str();
}

}  // namespace ufb::cli

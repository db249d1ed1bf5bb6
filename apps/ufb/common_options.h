#pragma once

// The options that several commands take, each declared here once: one name, help text and
// validator wherever it appears. Commands call these instead of declaring such an option
// themselves (tests/cli/shared_options.cmake checks both the sources and every command's --help).
// What a command binds an option to keeps its own default, shown by --help where it has one.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <vector>

namespace ufb::cli {

// What a command does without --model.
enum class WithoutModel {
  refuse,          // --model is required
  builtin,         // the built-in model answers
  random_weights,  // bench model: random-weight encoders
};

// --model DIR: a model directory.
CLI::Option* add_model_option(CLI::App& command, std::string& model_dir, WithoutModel without);
// --tokenizer FILE: tokenizer.json or vocab.txt, by default the model's (required: no default).
CLI::Option* add_tokenizer_option(CLI::App& command, std::string& path, bool required = false);
// --threads N: threads of the command's math, 0 = all cores.
CLI::Option* add_threads_option(CLI::App& command, int& threads);
// --dtype: f32, bf16 or int8.
CLI::Option* add_dtype_option(CLI::App& command, std::string& dtype);
// --device: cpu, cuda or cuda:N.
CLI::Option* add_device_option(CLI::App& command, std::string& device);
// --file PATH: inputs one per line or JSONL, - = stdin.
CLI::Option* add_file_option(CLI::App& command, std::string& file);
// --max-length N: truncation of each input, special tokens included.
CLI::Option* add_max_length_option(CLI::App& command, int64_t& max_length);
// --json: one JSON object per input on stdout.
CLI::Option* add_json_lines_flag(CLI::App& command, bool& json);
// --pooling: how a vector is made of the token vectors; `per_token` also offers "none".
CLI::Option* add_pooling_option(CLI::App& command, std::string& pooling, bool per_token);

// Benchmarks (bench kernels, bench model).
// --threads N,...: the thread counts to time.
CLI::Option* add_thread_counts_option(CLI::App& command, std::vector<int>& threads);
// --dtype P,...: the precisions to time.
CLI::Option* add_dtypes_option(CLI::App& command, std::vector<std::string>& dtypes);
CLI::Option* add_min_seconds_option(CLI::App& command, double& seconds);
CLI::Option* add_min_repeats_option(CLI::App& command, int& repeats);
// --json FILE: the results as JSON too.
CLI::Option* add_json_report_option(CLI::App& command, std::string& path);

// Training (train mlm, train glue).
CLI::Option* add_lr_option(CLI::App& command, double& peak);
CLI::Option* add_warmup_option(CLI::App& command, double& fraction);
CLI::Option* add_weight_decay_option(CLI::App& command, double& weight_decay);
CLI::Option* add_clip_option(CLI::App& command, double& clip_norm);
CLI::Option* add_log_every_option(CLI::App& command, int64_t& steps);
// --steps N / --budget TIME (excluding each other): how long to train.
CLI::Option* add_steps_option(CLI::App& command, int64_t& steps);
CLI::Option* add_budget_option(CLI::App& command, std::string& budget);
// --resume DIR: continue the checkpoint in DIR.
CLI::Option* add_resume_option(CLI::App& command, std::string& dir);
// --schedule: constant or linear.
CLI::Option* add_schedule_option(CLI::App& command, std::string& schedule);
CLI::Option* add_checkpoint_every_option(CLI::App& command, int64_t& steps);

// FFF shape (bench kernels, distill): --depth D, --trees T.
CLI::Option* add_fff_depth_option(CLI::App& command, int& depth);
CLI::Option* add_fff_trees_option(CLI::App& command, int64_t& trees);

// --seed N (training and benchmarks).
CLI::Option* add_seed_option(CLI::App& command, uint64_t& seed);
CLI::Option* add_seed_option(CLI::App& command, unsigned& seed);

}  // namespace ufb::cli

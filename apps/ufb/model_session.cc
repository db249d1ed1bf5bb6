#include "model_session.h"

#include <iostream>

#include "common_options.h"
#include "progress.h"
#include "ufb/distributed/communicator.h"
#include "ufb/error.h"
#include "ufb/model/builtin_model.h"

namespace ufb::cli {
namespace {

TextModelOptions text_model_options(const ModelFlags& flags) {
  // Without --model the built-in model answers, if this build has one.
  if (flags.model_dir.empty() && !model::has_builtin_model()) {
    throw Error("--model is required: this ufb was built without a built-in model");
  }
  TextModelOptions options;
  options.model_dir = flags.model_dir;
  options.tokenizer_path = flags.tokenizer_path;
  options.dtype = flags.dtype;
  options.device = flags.device;
  options.threads = flags.threads;
  options.max_length = flags.max_length;
  options.max_length_name = flags.max_length_option;
  options.strict = flags.strict;
  return options;
}

}  // namespace

void add_model_flags(CLI::App& command, ModelFlags& flags) {
  command.add_option("texts", flags.texts, "Input texts (or use --file)");
  add_model_option(command, flags.model_dir, WithoutModel::builtin);
  add_tokenizer_option(command, flags.tokenizer_path);
  add_file_option(command, flags.file);
  add_threads_option(command, flags.threads);
  add_json_lines_flag(command, flags.json);
  add_max_length_option(command, flags.max_length);
  command.add_flag("--strict", flags.strict, "Refuse over-long inputs instead of truncating them");
  add_dtype_option(command, flags.dtype);
  add_device_option(command, flags.device);
  command.add_option("--batch-size", flags.batch_size, "Inputs per forward pass")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 16));
  command.add_option("--out", flags.out, "Write the output to this file (embed: vectors as .npy for *.npy)");
}

ModelSession::ModelSession(const ModelFlags& flags) : flags_(flags), text_model_(text_model_options(flags)) {}

size_t ModelSession::shard_begin(size_t inputs, bool shard) const {
  const distributed::Communicator& world = distributed::Communicator::world();
  return shard ? distributed::shard_of(inputs, world.rank(), world.size()).begin : 0;
}

void ModelSession::for_each_batch(std::span<const TextInput> all_inputs, const std::function<void(const Batch&)>& run,
                                  bool shard_across_ranks, Order order) const {
  const distributed::Communicator& world = distributed::Communicator::world();
  const distributed::Shard shard = shard_across_ranks
                                       ? distributed::shard_of(all_inputs.size(), world.rank(), world.size())
                                       : distributed::Shard{0, all_inputs.size()};
  BatchOptions options;
  options.batch_size = static_cast<size_t>(flags_.batch_size);
  options.order = order;
  options.begin = shard.begin;
  options.end = shard.end;
  // Progress and throughput are for jobs of several batches; one batch answers at once.
  const bool long_job = all_inputs.size() > options.batch_size && world.is_root();
  const std::string who = world.size() > 1 ? "ufb (rank 0 of " + std::to_string(world.size()) + ")" : "ufb";
  ProgressBar progress("inputs", static_cast<int64_t>(shard.end - shard.begin), long_job, who);
  if (flags_.warn_each_truncation) {
    options.on_truncated = [](size_t input, const tokenizer::Encoding& encoding) {
      std::cerr << "ufb: warning: input " << input + 1 << " truncated to " << encoding.size() << " tokens\n";
    };
  }
  options.on_batch_done = [&](size_t inputs, int64_t tokens) { progress.advance(static_cast<int64_t>(inputs), tokens); };
  const size_t truncated = text_model_.for_each_batch(all_inputs, options, run);
  if (long_job) progress.finish();
  if (truncated > 0 && !flags_.warn_each_truncation) {
    std::cerr << "ufb: warning: " << truncated << " of " << shard.end - shard.begin << " inputs truncated to "
              << tokenizer().truncation()->max_length << " tokens\n";
  }
}

}  // namespace ufb::cli

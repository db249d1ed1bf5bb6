#include "model_session.h"

#include <filesystem>
#include <iostream>
#include <numeric>
#include <algorithm>

#include "common_options.h"
#include "progress.h"
#include "ufb/distributed/communicator.h"
#include "ufb/error.h"
#include "ufb/model/builtin_model.h"
#include "ufb/threads.h"

namespace ufb::cli {
namespace {

// Without --model the built-in model answers, if this build has one.
void require_some_model(const ModelFlags& flags) {
  if (flags.model_dir.empty() && !model::has_builtin_model()) {
    throw Error("--model is required: this ufb was built without a built-in model");
  }
}

tokenizer::Tokenizer load_tokenizer(const ModelFlags& flags) {
  require_some_model(flags);
  if (!flags.tokenizer_path.empty()) return tokenizer::Tokenizer::from_file(flags.tokenizer_path);
  if (!flags.model_dir.empty()) return tokenizer::Tokenizer::from_file(flags.model_dir);
  return model::builtin_tokenizer();
}

std::unique_ptr<model::Model> load_model(const ModelFlags& flags, const model::ModelOptions& options) {
  if (flags.model_dir.empty()) return model::builtin_model(options);
  return std::make_unique<model::Model>(flags.model_dir, options);
}

}  // namespace

std::string token_text(const tokenizer::Tokenizer& tokenizer, int32_t id) {
  const std::string_view text = tokenizer.id_to_token(id);
  return text.empty() ? "[id " + std::to_string(id) + "]" : std::string(text);
}

model::EmbeddingPooling parse_pooling(const std::string& name) {
  if (name == "mean") return model::EmbeddingPooling::mean;
  if (name == "first" || name == "cls") return model::EmbeddingPooling::first;
  if (name == "max") return model::EmbeddingPooling::max;
  if (name == "mean_sqrt_len") return model::EmbeddingPooling::mean_sqrt_len;
  return model::EmbeddingPooling::pooler;
}

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
  command.add_option("--batch-size", flags.batch_size, "Inputs per forward pass")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 16));
  command.add_option("--out", flags.out, "Write the output to this file (embed: vectors as .npy for *.npy)");
}

ModelSession::ModelSession(const ModelFlags& flags) : flags_(flags), tokenizer_(load_tokenizer(flags)) {
  set_num_threads(flags.threads);
  model::ModelOptions options;
  options.dtype = ops::parse_weight_type(flags.dtype);
  model_ = load_model(flags, options);
  const io::ModelConfig& config = model_->config();
  // A BERT-family tokenizer and embedding table must agree id for id (crammedBERT models may pad
  // their table past the vocabulary for speed).
  if (config.architecture == io::Architecture::kBert &&
      tokenizer_.vocab_size() != static_cast<size_t>(config.embedding.vocab_size)) {
    throw Error("the tokenizer has " + std::to_string(tokenizer_.vocab_size()) +
                " tokens, the model's embedding table " + std::to_string(config.embedding.vocab_size));
  }
  if (!flags.model_dir.empty()) sentence_embedding_ = model::SentenceEmbedding::read(flags.model_dir, config);
  const int64_t limit = model_->limits().max_sequence_length;
  if (flags.max_length > limit) {
    throw Error(std::string(flags.max_length_option) + " " + std::to_string(flags.max_length) + " exceeds the model's max_seq_length " +
                std::to_string(limit));
  }
  // sentence-transformers truncates to its own max_seq_length, below the position table's.
  const int64_t default_length =
      sentence_embedding_ ? sentence_embedding_->max_seq_length().value_or(limit) : limit;
  tokenizer::TruncationOptions truncation;
  truncation.max_length = static_cast<size_t>(flags.max_length > 0 ? flags.max_length : default_length);
  truncation.refuse_overlong = flags.strict;
  tokenizer_.set_truncation(truncation);
  tokenizer_.set_padding(std::nullopt);  // the model pads each batch itself
}

tokenizer::Encoding ModelSession::encode(const TextInput& input, size_t index) const {
  try {
    tokenizer::Encoding encoding =
        input.is_pair() ? tokenizer_.encode_pair(input.text, *input.text_pair) : tokenizer_.encode(input.text);
    if (encoding.truncated && flags_.warn_each_truncation) {
      std::cerr << "ufb: warning: input " << index + 1 << " truncated to " << encoding.size() << " tokens\n";
    }
    return encoding;
  } catch (const Error& error) {
    throw Error("input " + std::to_string(index + 1) + ": " + error.what());
  }
}

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
  const auto batch_size = static_cast<size_t>(flags_.batch_size);
  // Progress and throughput are for jobs of several batches; one batch answers at once.
  const bool long_job = all_inputs.size() > batch_size && world.is_root();
  const std::string who = world.size() > 1 ? "ufb (rank 0 of " + std::to_string(world.size()) + ")" : "ufb";
  ProgressBar progress("inputs", static_cast<int64_t>(shard.end - shard.begin), long_job, who);
  size_t truncated = 0;
  const size_t window = order == Order::by_length ? 64 * batch_size : batch_size;
  for (size_t window_begin = shard.begin; window_begin < shard.end; window_begin += window) {
    const size_t count = std::min(shard.end - window_begin, window);
    std::vector<size_t> indices(count);
    std::vector<model::TokenIds> ids(count), types(count);
    for (size_t i = 0; i < count; ++i) {
      tokenizer::Encoding encoding = encode(all_inputs[window_begin + i], window_begin + i);
      truncated += encoding.truncated;
      indices[i] = window_begin + i;
      ids[i] = std::move(encoding.ids);
      types[i] = std::move(encoding.type_ids);
    }
    if (order == Order::by_length) {
      std::vector<size_t> by_length(count);
      std::iota(by_length.begin(), by_length.end(), size_t{0});
      std::stable_sort(by_length.begin(), by_length.end(),
                       [&](size_t a, size_t b) { return ids[a].size() > ids[b].size(); });
      std::vector<model::TokenIds> sorted_ids(count), sorted_types(count);
      for (size_t i = 0; i < count; ++i) {
        indices[i] = window_begin + by_length[i];
        sorted_ids[i] = std::move(ids[by_length[i]]);
        sorted_types[i] = std::move(types[by_length[i]]);
      }
      ids = std::move(sorted_ids);
      types = std::move(sorted_types);
    }
    for (size_t first = 0; first < count; first += batch_size) {
      const size_t size = std::min(count - first, batch_size);
      int64_t tokens = 0;
      for (size_t i = first; i < first + size; ++i) tokens += static_cast<int64_t>(ids[i].size());
      run(Batch{std::span(indices).subspan(first, size), std::span(ids).subspan(first, size),
                std::span(types).subspan(first, size)});
      progress.advance(static_cast<int64_t>(size), tokens);
    }
  }
  if (long_job) progress.finish();
  if (truncated > 0 && !flags_.warn_each_truncation) {
    std::cerr << "ufb: warning: " << truncated << " of " << shard.end - shard.begin << " inputs truncated to "
              << tokenizer_.truncation()->max_length << " tokens\n";
  }
}

}  // namespace ufb::cli

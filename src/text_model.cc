#include "ufb/text_model.h"

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "ufb/device.h"
#include "ufb/error.h"
#include "ufb/model/builtin_model.h"
#include "ufb/ops/weight_type.h"
#include "ufb/threads.h"

namespace ufb {
namespace {

tokenizer::Tokenizer load_tokenizer(const TextModelOptions& options) {
  if (options.model_dir.empty() && !model::has_builtin_model()) {
    throw Error("a model directory is required: this ufb was built without a built-in model");
  }
  if (!options.model_dir.empty() && !std::filesystem::is_directory(options.model_dir)) {
    throw Error(options.model_dir.string() + ": no such model directory");
  }
  if (!options.tokenizer_path.empty()) return tokenizer::Tokenizer::from_file(options.tokenizer_path);
  if (!options.model_dir.empty()) return tokenizer::Tokenizer::from_file(options.model_dir);
  return model::builtin_tokenizer();
}

std::unique_ptr<model::Model> load_model(const TextModelOptions& options) {
  model::ModelOptions model_options;
  model_options.dtype = ops::parse_weight_type(options.dtype);
  model_options.device = parse_device(options.device);
  if (options.model_dir.empty()) return model::builtin_model(model_options);
  return std::make_unique<model::Model>(options.model_dir, model_options);
}

}  // namespace

TextModel::TextModel(const TextModelOptions& options)
    : tokenizer_(load_tokenizer(options)) {
  if (options.threads < 0) throw Error("threads must be 0 (every core) or more, not " + std::to_string(options.threads));
  if (options.max_length < 0) {
    throw Error(options.max_length_name + " must be 0 (the model's limit) or more, not " +
                std::to_string(options.max_length));
  }
  set_num_threads(options.threads);
  model_ = load_model(options);
  const io::ModelConfig& config = model_->config();
  // A BERT-family tokenizer and embedding table must agree id for id (crammedBERT models may pad
  // their table past the vocabulary for speed).
  if (config.architecture == io::Architecture::kBert &&
      tokenizer_.vocab_size() != static_cast<size_t>(config.embedding.vocab_size)) {
    throw Error("the tokenizer has " + std::to_string(tokenizer_.vocab_size()) +
                " tokens, the model's embedding table " + std::to_string(config.embedding.vocab_size));
  }
  if (!options.model_dir.empty()) sentence_embedding_ = model::SentenceEmbedding::read(options.model_dir, config);
  const int64_t limit = model_->limits().max_sequence_length;
  if (options.max_length > limit) {
    throw Error(options.max_length_name + " " + std::to_string(options.max_length) +
                " exceeds the model's max_seq_length " + std::to_string(limit));
  }
  // sentence-transformers truncates to its own max_seq_length, below the position table's.
  const int64_t default_length =
      sentence_embedding_ ? sentence_embedding_->max_seq_length().value_or(limit) : limit;
  tokenizer::TruncationOptions truncation;
  truncation.max_length = static_cast<size_t>(options.max_length > 0 ? options.max_length : default_length);
  truncation.refuse_overlong = options.strict;
  tokenizer_.set_truncation(truncation);
  tokenizer_.set_padding(std::nullopt);  // the model pads each batch itself
}

model::EmbeddingPooling parse_pooling(std::string_view name) {
  if (name == "mean") return model::EmbeddingPooling::mean;
  if (name == "first" || name == "cls") return model::EmbeddingPooling::first;
  if (name == "max") return model::EmbeddingPooling::max;
  if (name == "mean_sqrt_len") return model::EmbeddingPooling::mean_sqrt_len;
  if (name == "pooler") return model::EmbeddingPooling::pooler;
  throw Error("unknown pooling '" + std::string(name) + "' (expected mean, first, cls, max, mean_sqrt_len or pooler)");
}

std::string token_text(const tokenizer::Tokenizer& tokenizer, int32_t id) {
  const std::string_view text = tokenizer.id_to_token(id);
  return text.empty() ? "[id " + std::to_string(id) + "]" : std::string(text);
}

tokenizer::Encoding TextModel::tokenize(const TextInput& input, size_t index, Truncation truncation) const {
  try {
    if (truncation == Truncation::none) {
      return input.is_pair() ? tokenizer_.encode_pair_untruncated(input.text, *input.text_pair)
                             : tokenizer_.encode_untruncated(input.text);
    }
    return input.is_pair() ? tokenizer_.encode_pair(input.text, *input.text_pair) : tokenizer_.encode(input.text);
  } catch (const Error& error) {
    throw Error("input " + std::to_string(index + 1) + ": " + error.what());
  }
}

size_t TextModel::for_each_batch(std::span<const TextInput> all_inputs, const BatchOptions& options,
                                 const std::function<void(const TextBatch&)>& run) const {
  if (options.batch_size == 0) throw Error("the batch size must be at least 1");
  const size_t end = std::min(options.end, all_inputs.size());
  const size_t batch_size = options.batch_size;
  const size_t window = options.order == BatchOrder::by_length ? 64 * batch_size : batch_size;
  size_t truncated = 0;
  for (size_t window_begin = options.begin; window_begin < end; window_begin += window) {
    const size_t count = std::min(end - window_begin, window);
    std::vector<size_t> indices(count);
    std::vector<model::TokenIds> ids(count), types(count);
    for (size_t i = 0; i < count; ++i) {
      tokenizer::Encoding encoding = tokenize(all_inputs[window_begin + i], window_begin + i);
      if (encoding.truncated) {
        ++truncated;
        if (options.on_truncated) options.on_truncated(window_begin + i, encoding);
      }
      indices[i] = window_begin + i;
      ids[i] = std::move(encoding.ids);
      types[i] = std::move(encoding.type_ids);
    }
    if (options.order == BatchOrder::by_length) {
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
      run(TextBatch{std::span(indices).subspan(first, size), std::span(ids).subspan(first, size),
                    std::span(types).subspan(first, size)});
      if (options.on_batch_done) options.on_batch_done(size, tokens);
    }
  }
  return truncated;
}

}  // namespace ufb

#pragma once

// The library's front door: a model with its tokenizer, texts in and answers out. The command
// line, the server and the Python module are thin layers over this class. Every method is const
// and holds no mutable state, so one TextModel serves concurrent callers.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/model/model.h"
#include "ufb/model/sentence_embedding.h"
#include "ufb/text_input.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb {

struct TextModelOptions {
  std::filesystem::path model_dir;       // empty: the built-in model
  std::filesystem::path tokenizer_path;  // empty: the model directory's tokenizer.json or vocab.txt
  std::string dtype = "f32";             // precision: "f32", "bf16" or "int8"
  std::string device = "cpu";            // "cpu", "cuda" or "cuda:N" (docs/cuda.md)
  // Threads of the process's one pool (ufb/threads.h), so the last TextModel made sets it for all;
  // 0: every core.
  int threads = 0;
  int64_t max_length = 0;  // tokens per input; 0: the model's (sentence-transformers') limit
  std::string max_length_name = "--max-length";  // how errors name max_length to the caller
  bool strict = false;  // refuse over-long inputs instead of truncating them
};

// Which pooled vector embed computes.
struct EmbedOptions {
  // nullopt: the directory's sentence-transformers pipeline, else mean pooling.
  std::optional<model::EmbeddingPooling> pooling;
  bool per_token = false;          // one vector per token (final hidden states), no pooling
  std::optional<bool> normalize;   // nullopt: as the model's modules say
};

// One mask token's candidates, best first.
struct FilledMask {
  int64_t position = 0;  // token index in the input's encoding
  std::vector<model::TokenPrediction> predictions;
};

struct ClassScores {
  std::vector<float> logits;         // for regression, the values
  std::vector<float> probabilities;  // softmax or sigmoids; empty for regression
};

// SPLADE: the max over the input's tokens of log(1 + ReLU(MLM logit)), as (vocabulary index,
// value) for the nonzero values, by index.
struct SparseEmbedding {
  std::vector<int32_t> indices;
  std::vector<float> values;
};

// A batch of tokenized inputs: their indices into all inputs, token ids and token types.
struct TextBatch {
  std::span<const size_t> inputs;
  std::span<const model::TokenIds> ids;
  std::span<const model::TokenIds> types;
};

enum class BatchOrder {
  as_given,   // batches of consecutive inputs
  by_length,  // inputs of similar lengths together (less padding), as sentence-transformers does;
              // batches then arrive out of input order
};

struct BatchOptions {
  size_t batch_size = 32;
  BatchOrder order = BatchOrder::as_given;
  // The inputs [begin, end) to run (a shard of an MPI job); TextBatch::inputs index all inputs.
  size_t begin = 0;
  size_t end = SIZE_MAX;
  std::function<void(size_t input, const tokenizer::Encoding&)> on_truncated;  // may be empty
  std::function<void(size_t inputs, int64_t tokens)> on_batch_done;            // may be empty
};

// A pooling by name: "mean", "first" (or "cls"), "max", "mean_sqrt_len" or "pooler"; throws
// ufb::Error listing them for any other name.
model::EmbeddingPooling parse_pooling(std::string_view name);

// The text of a token id; ids past the tokenizer's vocabulary (a padded embedding table) read
// "[id N]".
std::string token_text(const tokenizer::Tokenizer& tokenizer, int32_t id);

class TextModel {
 public:
  // Loads the model and its tokenizer; throws ufb::Error with a one-line message.
  explicit TextModel(const TextModelOptions& options = {});

  const model::Model& model() const { return *model_; }
  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  // The model directory's sentence-transformers pipeline, if it is one.
  const std::optional<model::SentenceEmbedding>& sentence_embedding() const { return sentence_embedding_; }
  std::string token_text(int32_t id) const { return ufb::token_text(tokenizer_, id); }

  enum class Truncation {
    as_configured,  // as TextModelOptions say: cut to max_length, or refuse (strict)
    none,           // every token, whatever the length (to report tokens, or to check a limit)
  };
  // The encoding of input number `index` (0-based); errors name the input ("input 3: ...").
  tokenizer::Encoding tokenize(const TextInput& input, size_t index,
                               Truncation truncation = Truncation::as_configured) const;

  // Tokenizes inputs and calls `run` batch by batch. By length, inputs are sorted within windows
  // of 64 batches, so results wait at most a window for their turn. Returns how many inputs
  // were truncated.
  size_t for_each_batch(std::span<const TextInput> inputs, const BatchOptions& options,
                        const std::function<void(const TextBatch&)>& run) const;

  // What embed runs for `options`, and the batch order it allows (crammedBERT's averaging
  // pooler depends on the batch, which must then be the consecutive inputs given).
  model::SentenceEmbedding embedding_pipeline(const EmbedOptions& options) const;
  BatchOrder embedding_order(const model::SentenceEmbedding& pipeline) const;
  BatchOrder classify_order() const;

  // One batch's answers, input by input. embed: one vector, or one per token.
  std::vector<std::vector<std::vector<float>>> embed_batch(const TextBatch& batch, const EmbedOptions& options,
                                                           const model::SentenceEmbedding& pipeline) const;
  // Each input's masks (an input without the mask token is an error naming it).
  std::vector<std::vector<FilledMask>> fill_mask_batch(const TextBatch& batch, int64_t top_k) const;
  std::vector<ClassScores> classify_batch(const TextBatch& batch) const;
  // Needs a masked-LM head.
  std::vector<SparseEmbedding> embed_sparse_batch(const TextBatch& batch) const;

  // Whole lists, answers in input order.
  std::vector<std::vector<std::vector<float>>> embed(std::span<const TextInput> inputs, const EmbedOptions& options,
                                                     size_t batch_size = 32) const;
  std::vector<std::vector<FilledMask>> fill_mask(std::span<const TextInput> inputs, int64_t top_k,
                                                 size_t batch_size = 32) const;
  std::vector<ClassScores> classify(std::span<const TextInput> inputs, size_t batch_size = 32) const;

 private:
  std::unique_ptr<model::Model> model_;
  std::optional<model::SentenceEmbedding> sentence_embedding_;
  tokenizer::Tokenizer tokenizer_;
};

}  // namespace ufb

#pragma once

// What fill-mask, embed and classify share: flags, loading a model with its tokenizer, turning
// inputs into token ids batch by batch, and progress on stderr.

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "text_inputs.h"
#include "ufb/model/model.h"
#include "ufb/model/sentence_embedding.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::cli {

struct ModelFlags {
  std::string model_dir;  // empty: the built-in model
  std::string tokenizer_path;  // empty: the model directory's tokenizer.json or vocab.txt
  std::vector<std::string> texts;
  std::string file;
  int threads = 0;
  bool json = false;
  int64_t max_length = 0;  // 0: the model's max_seq_length
  const char* max_length_option = "--max-length";  // its name in errors (serve: --max-input-length)
  bool strict = false;
  std::string dtype = "f32";
  int64_t batch_size = 32;
  std::string out;  // output file; empty: stdout
  // One warning per truncated input, or (false) one count at the end: long datasets.
  bool warn_each_truncation = true;
};

void add_model_flags(CLI::App& command, ModelFlags& flags);

// The text of a predicted token. The model's vocabulary may be larger than the tokenizer's
// (padded for speed): such ids have no text and read "[id N]".
std::string token_text(const tokenizer::Tokenizer& tokenizer, int32_t id);

// "mean", "first" or "pooler" (the flags check the name).
model::EmbeddingPooling parse_pooling(const std::string& name);

class ModelSession {
 public:
  explicit ModelSession(const ModelFlags& flags);

  const model::Model& model() const { return *model_; }
  const tokenizer::Tokenizer& tokenizer() const { return tokenizer_; }
  // The model directory's sentence-transformers pipeline, if it is one.
  const std::optional<model::SentenceEmbedding>& sentence_embedding() const { return sentence_embedding_; }

  // A batch of inputs: their indices into all inputs, their token ids and token types
  // (segments), sequence by sequence.
  struct Batch {
    std::span<const size_t> inputs;
    std::span<const model::TokenIds> ids;
    std::span<const model::TokenIds> types;
  };

  enum class Order {
    as_given,   // batches of consecutive inputs
    by_length,  // inputs of similar lengths batched together (less padding), as
                // sentence-transformers does; results then arrive out of input order
  };

  // Tokenizes the inputs and calls `run(batch)` batch by batch (at most --batch-size inputs
  // each), reporting truncation and progress on stderr. In an MPI job (mpirun -np N) each rank
  // runs only its contiguous shard of the inputs unless `shard` is false; batch.inputs are
  // always indices into all of them, and rank 0 shows the progress. By length, inputs are
  // sorted within windows of 64 batches, so results wait at most a window for their turn.
  void for_each_batch(std::span<const TextInput> inputs, const std::function<void(const Batch&)>& run,
                      bool shard = true, Order order = Order::as_given) const;

  // The first input of this process's shard (0 outside MPI jobs or without sharding).
  size_t shard_begin(size_t inputs, bool shard = true) const;

 private:
  tokenizer::Encoding encode(const TextInput& input, size_t index) const;

  const ModelFlags& flags_;
  std::unique_ptr<model::Model> model_;
  std::optional<model::SentenceEmbedding> sentence_embedding_;
  tokenizer::Tokenizer tokenizer_;
};

}  // namespace ufb::cli

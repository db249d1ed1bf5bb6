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
#include "ufb/text_model.h"
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
  std::string device = "cpu";
  int64_t batch_size = 32;
  std::string out;  // output file; empty: stdout
  // One warning per truncated input, or (false) one count at the end: long datasets.
  bool warn_each_truncation = true;
};

void add_model_flags(CLI::App& command, ModelFlags& flags);

// A TextModel as the command line runs it: options from flags, MPI sharding, progress and
// truncation warnings on stderr.
class ModelSession {
 public:
  explicit ModelSession(const ModelFlags& flags);

  const TextModel& text_model() const { return text_model_; }
  const model::Model& model() const { return text_model_.model(); }
  const tokenizer::Tokenizer& tokenizer() const { return text_model_.tokenizer(); }
  const std::optional<model::SentenceEmbedding>& sentence_embedding() const { return text_model_.sentence_embedding(); }

  using Batch = TextBatch;
  using Order = BatchOrder;

  // TextModel::for_each_batch with --batch-size, reporting truncation and progress on stderr.
  // In an MPI job (mpirun -np N) each rank runs only its contiguous shard of the inputs unless
  // `shard` is false; batch.inputs are always indices into all of them, and rank 0 shows the
  // progress.
  void for_each_batch(std::span<const TextInput> inputs, const std::function<void(const Batch&)>& run,
                      bool shard = true, Order order = Order::as_given) const;

  // The first input of this process's shard (0 outside MPI jobs or without sharding).
  size_t shard_begin(size_t inputs, bool shard = true) const;

 private:
  const ModelFlags& flags_;
  TextModel text_model_;
};

}  // namespace ufb::cli

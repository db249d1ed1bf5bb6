#pragma once

// Dynamic batching: request threads queue their inputs; one batcher thread takes as many queued
// inputs of one kind as fit in max_batch_tokens, runs them as one model call (the model's own
// OpenMP threads do the math) and hands each request its results. A request's inputs may be
// spread over several model calls, so a batch request larger than max_batch_tokens still runs.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <variant>
#include <vector>

#include "ufb/model/model.h"
#include "ufb/model/sentence_embedding.h"

namespace ufb::serve {

enum class Task { embed, classify, fill_mask, embed_all, embed_sparse };

struct ClassScores {
  std::vector<float> logits;
  std::vector<float> probabilities;  // empty for a one-label (regression) head
};
// Per mask token of the input, in order: the top_k candidates, best first.
using MaskPredictions = std::vector<std::vector<model::TokenPrediction>>;
// embed_all: the final hidden state of every token of the input, [tokens, width] row-major.
struct TokenStates {
  int64_t width = 0;
  std::vector<float> values;
};
// embed_sparse (SPLADE): max over the input's tokens of log(1 + ReLU(MLM logit)), as
// (vocabulary index, value) for the nonzero values, by index.
struct SparseEmbedding {
  std::vector<int32_t> indices;
  std::vector<float> values;
};
// embed: the pooled vector (not normalized, whatever the pipeline says); classify: ClassScores;
// fill_mask: MaskPredictions; embed_all: TokenStates; embed_sparse: SparseEmbedding.
using InputResult = std::variant<std::vector<float>, ClassScores, MaskPredictions, TokenStates, SparseEmbedding>;

struct BatcherOptions {
  int64_t max_batch_tokens = 16384;  // padded tokens (inputs x longest input) per model call
  // What /embed computes; the request decides normalization.
  model::SentenceEmbedding embedding = model::SentenceEmbedding::plain(model::EmbeddingPooling::mean, false);
  // The `avg` classification pooler averages over the padded length (model.h), so an input's
  // label would depend on its batch neighbours: such inputs only share a batch with inputs of
  // their own length, which makes every answer equal to classifying the input alone.
  bool classify_depends_on_padding = false;
  int32_t mask_token_id = -1;
  // OpenMP threads of each model call (0 = all cores). OpenMP keeps the count per calling
  // thread, so the batcher thread sets it for itself.
  int model_threads = 0;
};

struct BatchStats {
  size_t inputs = 0;
  size_t padded_tokens = 0;
};

class Batcher {
 public:
  // `on_batch` is called on the batcher thread after every model call (for metrics).
  Batcher(const model::Model& model, BatcherOptions options, std::function<void(const BatchStats&)> on_batch);
  ~Batcher();
  Batcher(const Batcher&) = delete;
  Batcher& operator=(const Batcher&) = delete;

  // Queues the inputs (each at most max_batch_tokens long, fill_mask inputs each holding a mask
  // token) and blocks until all have run. Throws ufb::Error with the model's message when a
  // batch fails, or when the batcher has stopped.
  std::vector<InputResult> run(Task task, int64_t top_k, std::vector<model::TokenIds> inputs,
                               std::vector<model::TokenIds> types);

  size_t queued_inputs() const;

  // Refuses new work, finishes what is queued and joins the batcher thread. Idempotent.
  void stop();

 private:
  // One run() call waiting for its results; lives on that caller's stack.
  struct PendingRun {
    std::vector<InputResult> results;
    size_t remaining = 0;
    std::string error;
    std::condition_variable finished;
  };
  // Inputs may share a model call only when their keys are equal.
  struct BatchKey {
    Task task = Task::embed;
    int64_t top_k = 0;
    size_t length = 0;  // 0 unless the result depends on padding
    bool operator==(const BatchKey&) const = default;
  };
  struct QueuedInput {
    BatchKey key;
    model::TokenIds ids;
    model::TokenIds types;
    PendingRun* owner = nullptr;
    size_t index = 0;
  };

  void batch_loop();
  std::vector<QueuedInput> take_batch();  // mutex_ held
  std::vector<InputResult> compute(const BatchKey& key, std::span<const model::TokenIds> batch,
                                   std::span<const model::TokenIds> types) const;
  void deliver(std::vector<QueuedInput>& batch, std::vector<InputResult> results, const std::string& error);

  const model::Model& model_;
  const BatcherOptions options_;
  const std::function<void(const BatchStats&)> on_batch_;

  mutable std::mutex mutex_;
  std::condition_variable work_available_;
  std::deque<QueuedInput> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ufb::serve

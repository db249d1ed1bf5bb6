#pragma once

// Dynamic batching for a server: request threads queue their tokenized inputs; one batcher
// thread takes as many queued inputs of one kind as fit in max_batch_tokens, runs them as one
// TextModel batch (the model's own threads do the math) and hands each caller its results. A
// caller's inputs may be spread over several model calls, so a request larger than
// max_batch_tokens still runs.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "ufb/model/sentence_embedding.h"
#include "ufb/text_model.h"

namespace ufb {

enum class BatchTask {
  embed,         // the pooled vector (one row of TokenVectors), normalized as the pipeline says
  embed_all,     // the final hidden state of every token (one row per token), not normalized
  embed_sparse,  // SPLADE (TextModel::embed_sparse_batch)
  classify,      // ClassScores
  fill_mask,     // the input's masks (it must hold at least one mask token)
};

using TokenVectors = std::vector<std::vector<float>>;
// One input's answer; which alternative follows from the task.
using BatchResult = std::variant<TokenVectors, ClassScores, std::vector<FilledMask>, SparseEmbedding>;

struct DynamicBatcherOptions {
  int64_t max_batch_tokens = 16384;  // padded tokens (inputs x longest input) per model call
  // What BatchTask::embed computes.
  model::SentenceEmbedding embedding = model::SentenceEmbedding::plain(model::EmbeddingPooling::mean, false);
  // Threads of each model call (0 = all cores). OpenMP keeps the count per calling thread, so
  // the batcher thread sets it for itself.
  int model_threads = 0;
};

struct BatchStats {
  size_t inputs = 0;
  size_t padded_tokens = 0;
};

class DynamicBatcher {
 public:
  // `on_batch` (may be empty) is called on the batcher thread after every model call.
  DynamicBatcher(const TextModel& text_model, DynamicBatcherOptions options,
                 std::function<void(const BatchStats&)> on_batch = {});
  ~DynamicBatcher();
  DynamicBatcher(const DynamicBatcher&) = delete;
  DynamicBatcher& operator=(const DynamicBatcher&) = delete;

  // Queues the inputs (each at most max_batch_tokens long) and blocks until all have run; the
  // results are in input order. `top_k` is fill_mask's. Throws ufb::Error with the model's
  // message when a batch fails, or when the batcher has stopped.
  std::vector<BatchResult> run(BatchTask task, int64_t top_k, std::vector<model::TokenIds> ids,
                               std::vector<model::TokenIds> types);

  size_t queued_inputs() const;

  // Refuses new work, finishes what is queued and joins the batcher thread. Idempotent.
  void stop();

 private:
  // One run() call waiting for its results; lives on that caller's stack.
  struct PendingRun {
    std::vector<BatchResult> results;
    size_t remaining = 0;
    std::string error;
    std::condition_variable finished;
  };
  // Inputs may share a model call only when their keys are equal.
  struct BatchKey {
    BatchTask task = BatchTask::embed;
    int64_t top_k = 0;
    size_t length = 0;  // 0 unless the answer depends on the padded length of the batch
    bool operator==(const BatchKey&) const = default;
  };
  struct QueuedInput {
    BatchKey key;
    model::TokenIds ids;
    model::TokenIds types;
    PendingRun* owner = nullptr;
    size_t index = 0;
  };

  bool depends_on_padding(BatchTask task) const;
  void batch_loop();
  std::vector<QueuedInput> take_batch();  // mutex_ held
  std::vector<BatchResult> compute(const BatchKey& key, const TextBatch& batch) const;
  void deliver(std::vector<QueuedInput>& batch, std::vector<BatchResult> results, const std::string& error);

  const TextModel& text_model_;
  const DynamicBatcherOptions options_;
  const std::function<void(const BatchStats&)> on_batch_;

  mutable std::mutex mutex_;
  std::condition_variable work_available_;
  std::deque<QueuedInput> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ufb

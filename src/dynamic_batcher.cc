#include "ufb/dynamic_batcher.h"

#include <algorithm>
#include <numeric>

#include "ufb/error.h"
#include "ufb/threads.h"

namespace ufb {

DynamicBatcher::DynamicBatcher(const TextModel& text_model, DynamicBatcherOptions options,
                               std::function<void(const BatchStats&)> on_batch)
    : text_model_(text_model),
      options_(std::move(options)),
      on_batch_(std::move(on_batch)),
      thread_([this] { batch_loop(); }) {}

DynamicBatcher::~DynamicBatcher() { stop(); }

// crammedBERT's `avg` pooler averages over the padded length (model.h), so such an answer would
// depend on its batch neighbours: those inputs only share a batch with inputs of their own
// length, which makes every answer equal to running the input alone.
bool DynamicBatcher::depends_on_padding(BatchTask task) const {
  switch (task) {
    case BatchTask::classify: return text_model_.classify_order() == BatchOrder::as_given;
    case BatchTask::embed: return text_model_.embedding_order(options_.embedding) == BatchOrder::as_given;
    default: return false;
  }
}

std::vector<BatchResult> DynamicBatcher::run(BatchTask task, int64_t top_k, std::vector<model::TokenIds> ids,
                                             std::vector<model::TokenIds> types) {
  if (types.size() != ids.size()) {
    throw Error("batcher: token types of " + std::to_string(types.size()) + " inputs for " + std::to_string(ids.size()));
  }
  const bool keyed_by_length = depends_on_padding(task);
  PendingRun pending;
  pending.results.resize(ids.size());
  pending.remaining = ids.size();
  std::unique_lock lock(mutex_);
  if (stopping_) throw Error("the batcher has stopped (shutting down)");
  for (size_t i = 0; i < ids.size(); ++i) {
    const BatchKey key{task, task == BatchTask::fill_mask ? top_k : 0, keyed_by_length ? ids[i].size() : 0};
    queue_.push_back(QueuedInput{key, std::move(ids[i]), std::move(types[i]), &pending, i});
  }
  work_available_.notify_one();
  pending.finished.wait(lock, [&] { return pending.remaining == 0; });
  if (!pending.error.empty()) throw Error(pending.error);
  return std::move(pending.results);
}

size_t DynamicBatcher::queued_inputs() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void DynamicBatcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_available_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void DynamicBatcher::batch_loop() {
  set_num_threads(options_.model_threads);
  for (;;) {
    std::vector<QueuedInput> batch;
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      batch = take_batch();
    }
    std::vector<size_t> positions(batch.size());
    std::iota(positions.begin(), positions.end(), size_t{0});
    std::vector<model::TokenIds> ids, types;
    size_t longest = 0;
    for (QueuedInput& input : batch) {
      longest = std::max(longest, input.ids.size());
      ids.push_back(std::move(input.ids));
      types.push_back(std::move(input.types));
    }
    std::vector<BatchResult> results;
    std::string error;
    try {
      results = compute(batch.front().key, TextBatch{positions, ids, types});
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    if (on_batch_) on_batch_(BatchStats{batch.size(), batch.size() * longest});
    deliver(batch, std::move(results), error);
  }
}

std::vector<DynamicBatcher::QueuedInput> DynamicBatcher::take_batch() {
  const BatchKey key = queue_.front().key;
  std::vector<QueuedInput> batch;
  std::deque<QueuedInput> rest;
  size_t longest = 0;
  for (QueuedInput& input : queue_) {
    const size_t new_longest = std::max(longest, input.ids.size());
    const bool fits = batch.empty() ||
                      (batch.size() + 1) * new_longest <= static_cast<size_t>(options_.max_batch_tokens);
    if (input.key == key && fits) {
      longest = new_longest;
      batch.push_back(std::move(input));
    } else {
      rest.push_back(std::move(input));
    }
  }
  queue_ = std::move(rest);
  return batch;
}

std::vector<BatchResult> DynamicBatcher::compute(const BatchKey& key, const TextBatch& batch) const {
  const auto as_results = [](auto answers) {
    return std::vector<BatchResult>(std::make_move_iterator(answers.begin()), std::make_move_iterator(answers.end()));
  };
  switch (key.task) {
    case BatchTask::embed: return as_results(text_model_.embed_batch(batch, {}, options_.embedding));
    case BatchTask::embed_all: {
      EmbedOptions per_token;
      per_token.per_token = true;
      const model::SentenceEmbedding unnormalized = model::SentenceEmbedding::plain(model::EmbeddingPooling::mean, false);
      return as_results(text_model_.embed_batch(batch, per_token, unnormalized));
    }
    case BatchTask::embed_sparse: return as_results(text_model_.embed_sparse_batch(batch));
    case BatchTask::classify: return as_results(text_model_.classify_batch(batch));
    case BatchTask::fill_mask: return as_results(text_model_.fill_mask_batch(batch, key.top_k));
  }
  throw Error("batcher: unknown task");
}

void DynamicBatcher::deliver(std::vector<QueuedInput>& batch, std::vector<BatchResult> results, const std::string& error) {
  const std::lock_guard lock(mutex_);
  for (size_t i = 0; i < batch.size(); ++i) {
    PendingRun& owner = *batch[i].owner;
    if (error.empty()) {
      owner.results[batch[i].index] = std::move(results[i]);
    } else if (owner.error.empty()) {
      owner.error = error;
    }
    if (--owner.remaining == 0) owner.finished.notify_one();
  }
}

}  // namespace ufb

#include "batcher.h"

#include <algorithm>
#include <cmath>

#include "ufb/error.h"
#include "ufb/threads.h"

namespace ufb::serve {

Batcher::Batcher(const model::Model& model, BatcherOptions options, std::function<void(const BatchStats&)> on_batch)
    : model_(model), options_(options), on_batch_(std::move(on_batch)), thread_([this] { batch_loop(); }) {}

Batcher::~Batcher() { stop(); }

std::vector<InputResult> Batcher::run(Task task, int64_t top_k, std::vector<model::TokenIds> inputs,
                                      std::vector<model::TokenIds> types) {
  if (types.size() != inputs.size()) throw Error("batcher: token types of " + std::to_string(types.size()) +
                                                 " inputs for " + std::to_string(inputs.size()));
  PendingRun pending;
  pending.results.resize(inputs.size());
  pending.remaining = inputs.size();
  std::unique_lock lock(mutex_);
  if (stopping_) throw Error("the server is shutting down");
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool keyed_by_length = task == Task::classify && options_.classify_depends_on_padding;
    const BatchKey key{task, task == Task::fill_mask ? top_k : 0, keyed_by_length ? inputs[i].size() : 0};
    queue_.push_back(QueuedInput{key, std::move(inputs[i]), std::move(types[i]), &pending, i});
  }
  work_available_.notify_one();
  pending.finished.wait(lock, [&] { return pending.remaining == 0; });
  if (!pending.error.empty()) throw Error(pending.error);
  return std::move(pending.results);
}

size_t Batcher::queued_inputs() const {
  const std::lock_guard lock(mutex_);
  return queue_.size();
}

void Batcher::stop() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_available_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void Batcher::batch_loop() {
  set_num_threads(options_.model_threads);
  for (;;) {
    std::vector<QueuedInput> batch;
    {
      std::unique_lock lock(mutex_);
      work_available_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has run
      batch = take_batch();
    }
    std::vector<model::TokenIds> ids, types;
    size_t longest = 0;
    for (QueuedInput& input : batch) {
      longest = std::max(longest, input.ids.size());
      ids.push_back(std::move(input.ids));
      types.push_back(std::move(input.types));
    }
    std::vector<InputResult> results;
    std::string error;
    try {
      results = compute(batch.front().key, ids, types);
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    on_batch_(BatchStats{batch.size(), batch.size() * longest});
    deliver(batch, std::move(results), error);
  }
}

// The oldest input and every later one with its key, in queue order, while the padded batch
// (inputs x longest) stays within max_batch_tokens. Inputs of other kinds keep their places.
std::vector<Batcher::QueuedInput> Batcher::take_batch() {
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

std::vector<InputResult> Batcher::compute(const BatchKey& key, std::span<const model::TokenIds> batch,
                                          std::span<const model::TokenIds> types) const {
  std::vector<InputResult> results;
  switch (key.task) {
    case Task::embed: {
      const model::Embeddings embeddings = options_.embedding.embed(model_, batch, types);
      for (int64_t b = 0; b < embeddings.batch; ++b) {
        const auto row = embeddings.values.begin() + b * embeddings.width;
        results.emplace_back(std::vector<float>(row, row + embeddings.width));
      }
      break;
    }
    case Task::classify: {
      const model::Classification scores = model_.classify(batch, types);
      for (int64_t b = 0; b < scores.batch; ++b) {
        ClassScores row;
        const auto logits = scores.logits.begin() + b * scores.num_labels;
        row.logits.assign(logits, logits + scores.num_labels);
        if (!scores.probabilities.empty()) {
          const auto probabilities = scores.probabilities.begin() + b * scores.num_labels;
          row.probabilities.assign(probabilities, probabilities + scores.num_labels);
        }
        results.emplace_back(std::move(row));
      }
      break;
    }
    case Task::fill_mask: {
      const std::vector<model::TokenPosition> positions = model::find_token(batch, options_.mask_token_id);
      auto predictions = model_.fill_mask(batch, positions, key.top_k, types);
      std::vector<MaskPredictions> per_input(batch.size());
      for (size_t m = 0; m < positions.size(); ++m) {
        per_input[static_cast<size_t>(positions[m].sequence)].push_back(std::move(predictions[m]));
      }
      for (MaskPredictions& masks : per_input) results.emplace_back(std::move(masks));
      break;
    }
    case Task::embed_all: {
      const model::HiddenStates states = model_.encode(batch, model::PaddingRows::skip, types);
      for (int64_t b = 0; b < states.batch; ++b) {
        TokenStates tokens{states.hidden, {}};
        const int64_t length = static_cast<int64_t>(batch[static_cast<size_t>(b)].size());
        tokens.values.reserve(static_cast<size_t>(length * states.hidden));
        for (int64_t position = 0; position < length; ++position) {
          const std::span<const float> row = states.row(b, position);
          tokens.values.insert(tokens.values.end(), row.begin(), row.end());
        }
        results.emplace_back(std::move(tokens));
      }
      break;
    }
    case Task::embed_sparse: {
      // One input per model call: the logits of every position of a batch would take
      // tokens x vocabulary floats at once.
      for (size_t b = 0; b < batch.size(); ++b) {
        std::vector<model::TokenPosition> positions;
        for (size_t position = 0; position < batch[b].size(); ++position) {
          positions.push_back({0, static_cast<int64_t>(position)});
        }
        const std::vector<float> logits = model_.mlm_logits(batch.subspan(b, 1), positions,
                                                            types.empty() ? types : types.subspan(b, 1));
        const size_t vocab = positions.empty() ? 0 : logits.size() / positions.size();
        std::vector<float> best(vocab, 0.0f);
        for (size_t p = 0; p < positions.size(); ++p) {
          for (size_t v = 0; v < vocab; ++v) best[v] = std::max(best[v], std::log1p(std::max(logits[p * vocab + v], 0.0f)));
        }
        SparseEmbedding sparse;
        for (size_t v = 0; v < vocab; ++v) {
          if (best[v] > 0.0f) {
            sparse.indices.push_back(static_cast<int32_t>(v));
            sparse.values.push_back(best[v]);
          }
        }
        results.emplace_back(std::move(sparse));
      }
      break;
    }
  }
  return results;
}

void Batcher::deliver(std::vector<QueuedInput>& batch, std::vector<InputResult> results, const std::string& error) {
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

}  // namespace ufb::serve

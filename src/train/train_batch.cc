#include "train/train_batch.h"

#include <algorithm>
#include <string>

#include "ufb/error.h"

namespace ufb::train {

TrainBatch padded_batch(std::span<const std::vector<int32_t>> sequences, int32_t pad_id,
                        std::span<const std::vector<int32_t>> types) {
  if (sequences.empty()) throw Error("a training batch needs at least one sequence");
  TrainBatch batch;
  batch.sequences = static_cast<int64_t>(sequences.size());
  for (size_t b = 0; b < sequences.size(); ++b) {
    if (sequences[b].empty()) throw Error("sequence " + std::to_string(b) + " of the batch is empty");
    batch.length = std::max(batch.length, static_cast<int64_t>(sequences[b].size()));
  }
  batch.ids.assign(batch.rows(), pad_id);
  for (size_t b = 0; b < sequences.size(); ++b) {
    std::copy(sequences[b].begin(), sequences[b].end(), batch.ids.begin() + b * batch.length);
    batch.lengths.push_back(static_cast<int64_t>(sequences[b].size()));
  }
  if (types.empty()) return batch;
  batch.type_ids.assign(batch.rows(), 0);
  for (size_t b = 0; b < sequences.size(); ++b) {
    if (b >= types.size() || types[b].size() != sequences[b].size()) {
      throw Error("sequence " + std::to_string(b) + " of the batch has no token type per token");
    }
    std::copy(types[b].begin(), types[b].end(), batch.type_ids.begin() + b * batch.length);
  }
  return batch;
}

namespace {

template <class T>
std::vector<T> rows_of(const std::vector<T>& values, int64_t row_size, int64_t begin, int64_t end) {
  if (values.empty()) return {};
  return {values.begin() + begin * row_size, values.begin() + end * row_size};
}

}  // namespace

TrainBatch slice_sequences(const TrainBatch& batch, int64_t begin, int64_t end) {
  if (begin < 0 || end < begin || end > batch.sequences) {
    throw Error("sequences [" + std::to_string(begin) + ", " + std::to_string(end) + ") of a batch of " +
                std::to_string(batch.sequences));
  }
  TrainBatch slice;
  slice.sequences = end - begin;
  slice.length = batch.length;
  slice.ids = rows_of(batch.ids, batch.length, begin, end);
  slice.lengths = rows_of(batch.lengths, 1, begin, end);
  slice.type_ids = rows_of(batch.type_ids, batch.length, begin, end);
  slice.mlm_labels = rows_of(batch.mlm_labels, batch.length, begin, end);
  slice.class_labels = rows_of(batch.class_labels, 1, begin, end);
  slice.regression_targets = rows_of(batch.regression_targets, 1, begin, end);
  slice.first_sample = batch.first_sample + static_cast<uint64_t>(begin);
  return slice;
}

int64_t loss_terms(const TrainBatch& batch) {
  if (batch.mlm_labels.empty()) return batch.sequences;
  return std::count_if(batch.mlm_labels.begin(), batch.mlm_labels.end(),
                       [](int32_t label) { return label != kIgnoredLabel; });
}

}  // namespace ufb::train

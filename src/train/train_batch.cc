#include "ufb/train/train_batch.h"

#include <algorithm>
#include <string>

#include "ufb/error.h"

namespace ufb::train {

TrainBatch padded_batch(std::span<const std::vector<int32_t>> sequences, int32_t pad_id) {
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
  return batch;
}

}  // namespace ufb::train

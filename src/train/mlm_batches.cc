#include "train/mlm_batches.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "ufb/error.h"

namespace ufb::train {
namespace {

// Independent streams of the run's seed.
constexpr uint64_t kShuffleStream = 1;
constexpr uint64_t kMaskingStream = 2;

}  // namespace

MlmBatches::MlmBatches(std::vector<int32_t> tokens, int64_t sequence_length, uint64_t seed,
                       MaskingOptions masking)
    : tokens_(std::move(tokens)),
      sequence_length_(sequence_length),
      sequence_count_(sequence_length > 0 ? static_cast<int64_t>(tokens_.size()) / sequence_length : 0),
      random_(seed),
      masking_(std::move(masking)) {
  if (sequence_count_ < 1) {
    throw Error("the training text has " + std::to_string(tokens_.size()) +
                " tokens, fewer than one sequence of " + std::to_string(sequence_length));
  }
  std::sort(masking_.special_ids.begin(), masking_.special_ids.end());
}

int64_t MlmBatches::sequence_of(uint64_t sample) {
  const uint64_t count = static_cast<uint64_t>(sequence_count_);
  const uint64_t epoch = sample / count;
  if (epoch != epoch_) {
    order_.resize(sequence_count_);
    std::iota(order_.begin(), order_.end(), int64_t{0});
    const CounterRandom shuffle = random_.child(kShuffleStream).child(epoch);
    for (uint64_t i = count - 1; i > 0; --i) {  // Fisher–Yates
      std::swap(order_[i], order_[shuffle.bits(i) % (i + 1)]);
    }
    epoch_ = epoch;
  }
  return order_[sample % count];
}

void MlmBatches::mask(uint64_t sample, TrainBatch& batch, int64_t row) const {
  const CounterRandom draws = random_.child(kMaskingStream).child(sample);
  for (int64_t p = 0; p < sequence_length_; ++p) {
    const int64_t at = row * sequence_length_ + p;
    const int32_t id = batch.ids[at];
    const auto position = static_cast<uint64_t>(p);
    if (std::binary_search(masking_.special_ids.begin(), masking_.special_ids.end(), id) ||
        draws.uniform(3 * position) >= masking_.probability) {
      continue;
    }
    batch.mlm_labels[at] = id;
    const double replacement = draws.uniform(3 * position + 1);
    if (replacement < 0.8) {
      batch.ids[at] = masking_.mask_id;
    } else if (replacement < 0.9) {
      batch.ids[at] = static_cast<int32_t>(draws.bits(3 * position + 2) % static_cast<uint64_t>(masking_.vocab_size));
    }
  }
}

TrainBatch MlmBatches::batch(uint64_t first_sample, int64_t size) {
  TrainBatch batch;
  batch.sequences = size;
  batch.length = sequence_length_;
  batch.first_sample = first_sample;
  batch.ids.resize(batch.rows());
  batch.lengths.assign(size, sequence_length_);
  batch.mlm_labels.assign(batch.rows(), kIgnoredLabel);
  for (int64_t b = 0; b < size; ++b) {
    const int64_t sequence = sequence_of(first_sample + b);
    std::copy_n(tokens_.begin() + sequence * sequence_length_, sequence_length_,
                batch.ids.begin() + b * sequence_length_);
    mask(first_sample + b, batch, b);
  }
  return batch;
}

}  // namespace ufb::train

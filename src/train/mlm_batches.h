#pragma once

// Masked-LM batches from a token stream: the stream is cut into sequences of max_seq_length
// (packing documents), sequences are visited in a seeded random order per epoch, and each
// sample is masked BERT-style — a pure function of (seed, global sample index), so any step of
// any run can be rebuilt without replaying the ones before it.

#include <cstdint>
#include <vector>

#include "train/counter_random.h"
#include "train/train_batch.h"

namespace ufb::train {

struct MaskingOptions {
  double probability = 0.25;     // share of (non-special) positions predicted
  int32_t mask_id = 0;           // 80 % of predicted positions become this token
  int64_t vocab_size = 0;        // 10 % become a uniformly drawn token, 10 % stay
  std::vector<int32_t> special_ids;  // never predicted: separators, padding, ...
};

class MlmBatches {
 public:
  // Throws ufb::Error when the stream holds fewer than one full sequence.
  MlmBatches(std::vector<int32_t> tokens, int64_t sequence_length, uint64_t seed,
             MaskingOptions masking);

  int64_t sequence_count() const { return sequence_count_; }
  int64_t sequence_length() const { return sequence_length_; }

  // `size` samples with global indices first_sample … first_sample+size−1.
  TrainBatch batch(uint64_t first_sample, int64_t size);

 private:
  // The sequence shown as global sample `sample` (epoch sample / count, seeded shuffle).
  int64_t sequence_of(uint64_t sample);
  void mask(uint64_t sample, TrainBatch& batch, int64_t row) const;

  std::vector<int32_t> tokens_;
  int64_t sequence_length_;
  int64_t sequence_count_;
  CounterRandom random_;
  MaskingOptions masking_;
  uint64_t epoch_ = ~uint64_t{0};
  std::vector<int64_t> order_;  // the current epoch's permutation
};

}  // namespace ufb::train

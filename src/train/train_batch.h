#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::train {

// Label of a position the masked-LM loss ignores (PyTorch's ignore_index).
inline constexpr int32_t kIgnoredLabel = -100;

// A batch of `sequences` token sequences padded to `length`, with what the head learns from.
struct TrainBatch {
  int64_t sequences = 0;
  int64_t length = 0;
  std::vector<int32_t> ids;      // [sequences, length], padding rows hold the pad id
  std::vector<int64_t> lengths;  // [sequences]: real tokens
  // BERT's token types [sequences, length] (0 for the first text with [CLS] and its [SEP], 1 for
  // a pair's second text); empty: type 0 everywhere.
  std::vector<int32_t> type_ids;
  // Masked LM: [sequences, length], the original token where predicted, else kIgnoredLabel.
  std::vector<int32_t> mlm_labels;
  // Classification: [sequences] class indices; regression (one label): [sequences] targets.
  std::vector<int32_t> class_labels;
  std::vector<float> regression_targets;
  // Global index of sequence 0 in the run: dropout draws are keyed by it, so a sample gets the
  // same mask wherever it is computed.
  uint64_t first_sample = 0;

  int64_t rows() const { return sequences * length; }
};

// Sequences [begin, end) of `batch` with their labels, still padded to the batch's length (the
// avg pooler averages over it) and with first_sample moved along, so that every sample keeps its
// dropout draws: the part of a global batch that one rank of a data-parallel job computes.
TrainBatch slice_sequences(const TrainBatch& batch, int64_t begin, int64_t end);

// How many terms the batch's mean loss averages: the predicted positions of a masked-LM batch,
// else the sequences.
int64_t loss_terms(const TrainBatch& batch);

// A batch of the sequences padded with pad_id to the longest (labels left empty), with their
// token types (padded with 0) where `types` gives them. Throws ufb::Error for no sequences, an
// empty one, or types that do not match the sequences.
TrainBatch padded_batch(std::span<const std::vector<int32_t>> sequences, int32_t pad_id,
                        std::span<const std::vector<int32_t>> types = {});

}  // namespace ufb::train

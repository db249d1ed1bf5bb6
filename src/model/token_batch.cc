#include "ufb/model/token_batch.h"

#include <algorithm>
#include <string>

#include "ufb/error.h"

namespace ufb::model {

std::vector<int32_t> PaddedBatch::attention_mask() const {
  std::vector<int32_t> mask(ids.size(), 0);
  for (int64_t b = 0; b < size; ++b) std::fill_n(mask.begin() + b * length, lengths[b], 1);
  return mask;
}

PaddedBatch pad_batch(std::span<const TokenIds> sequences, const TokenLimits& limits) {
  if (sequences.empty()) throw Error("the batch is empty: there is nothing to run the model on");
  PaddedBatch batch;
  batch.size = static_cast<int64_t>(sequences.size());
  for (int64_t b = 0; b < batch.size; ++b) {
    const TokenIds& tokens = sequences[b];
    const auto length = static_cast<int64_t>(tokens.size());
    if (length == 0) throw Error("sequence " + std::to_string(b) + " of the batch is empty");
    if (length > limits.max_sequence_length) {
      throw Error("sequence " + std::to_string(b) + " has " + std::to_string(length) +
                  " tokens, more than the model's max_seq_length " +
                  std::to_string(limits.max_sequence_length) + " (truncate it first)");
    }
    for (int64_t p = 0; p < length; ++p) {
      if (tokens[p] < 0 || tokens[p] >= limits.vocab_size) {
        throw Error("token id " + std::to_string(tokens[p]) + " at position " +
                    std::to_string(p) + " of sequence " + std::to_string(b) +
                    " is outside the vocabulary (ids 0 to " +
                    std::to_string(limits.vocab_size - 1) + ")");
      }
    }
    batch.lengths.push_back(length);
    batch.length = std::max(batch.length, length);
  }
  batch.ids.assign(batch.size * batch.length, limits.pad_token_id);
  for (int64_t b = 0; b < batch.size; ++b) {
    std::copy(sequences[b].begin(), sequences[b].end(), batch.ids.begin() + b * batch.length);
  }
  return batch;
}

std::vector<TokenPosition> find_token(std::span<const TokenIds> sequences, int32_t token_id) {
  std::vector<TokenPosition> positions;
  for (size_t b = 0; b < sequences.size(); ++b) {
    for (size_t p = 0; p < sequences[b].size(); ++p) {
      if (sequences[b][p] == token_id) {
        positions.push_back({static_cast<int64_t>(b), static_cast<int64_t>(p)});
      }
    }
  }
  return positions;
}

}  // namespace ufb::model

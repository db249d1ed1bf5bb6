#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::model {

// The token ids of one input sequence, special tokens included, without padding; also the token
// types (segments) of one, where a model has them.
using TokenIds = std::vector<int32_t>;

// What a batch of inputs must respect: the model's vocabulary and maximum length.
struct TokenLimits {
  int64_t vocab_size = 0;
  int64_t max_sequence_length = 0;
  int32_t pad_token_id = 0;
  int64_t type_vocab_size = 0;  // 0: the model has no token types, and ignores any given
};

// A batch padded to its longest sequence (docs/model.md §2): sequence b's tokens are
// ids[b·length … b·length + lengths[b]), the rest of its row is pad_token_id.
struct PaddedBatch {
  int64_t size = 0;    // B
  int64_t length = 0;  // S: the longest sequence
  std::vector<int32_t> ids;
  std::vector<int64_t> lengths;
  std::vector<int32_t> type_ids;  // [B, S] like ids; empty: every token has type 0

  std::span<const int32_t> row(int64_t sequence) const {
    return std::span<const int32_t>(ids).subspan(sequence * length, length);
  }
  // [B, S]: 1 for real tokens, 0 for padding.
  std::vector<int32_t> attention_mask() const;
};

// Checks every sequence and pads the batch. Throws ufb::Error for an empty batch, an empty
// sequence, a sequence longer than max_sequence_length (the caller truncates; nothing is cut
// here) or a token id outside the vocabulary, naming the sequence and position. `types`, if
// given, holds each sequence's token types (checked against the limits; dropped for a model
// without token types).
PaddedBatch pad_batch(std::span<const TokenIds> sequences, const TokenLimits& limits,
                      std::span<const TokenIds> types = {});

// A batch given as padded [size, length] arrays, as Hugging Face models take it: ids (padding
// ids kept as given) and a 0/1 attention mask. Throws ufb::Error unless each row's mask is ones
// followed by zeros (right padding) with at least one 1, every id is in the vocabulary and
// length ≤ max_sequence_length. `types` [size, length], if given, are the token type ids.
PaddedBatch batch_from_mask(std::span<const int64_t> ids, std::span<const int64_t> mask,
                            int64_t size, int64_t length, const TokenLimits& limits,
                            std::span<const int64_t> types = {});

// A position of one sequence of a batch.
struct TokenPosition {
  int64_t sequence = 0;
  int64_t position = 0;
};

// Every position holding `token_id` (a mask token, say), in batch order.
std::vector<TokenPosition> find_token(std::span<const TokenIds> sequences, int32_t token_id);

}  // namespace ufb::model

#include "ufb/model/token_batch.h"

#include <algorithm>
#include <string>

#include "ufb/error.h"

namespace ufb::model {
namespace {

void check_token_id(int64_t id, int64_t sequence, int64_t position, const TokenLimits& limits) {
  if (id >= 0 && id < limits.vocab_size) return;
  throw Error("token id " + std::to_string(id) + " at position " + std::to_string(position) +
              " of sequence " + std::to_string(sequence) + " is outside the vocabulary (ids 0 to " +
              std::to_string(limits.vocab_size - 1) + ")");
}

void check_token_type(int64_t type, int64_t sequence, int64_t position, const TokenLimits& limits) {
  if (type >= 0 && type < limits.type_vocab_size) return;
  throw Error("token type " + std::to_string(type) + " at position " + std::to_string(position) +
              " of sequence " + std::to_string(sequence) + " is not one of the model's " +
              std::to_string(limits.type_vocab_size) + " token types");
}

}  // namespace

std::vector<int32_t> PaddedBatch::attention_mask() const {
  std::vector<int32_t> mask(ids.size(), 0);
  for (int64_t b = 0; b < size; ++b) std::fill_n(mask.begin() + b * length, lengths[b], 1);
  return mask;
}

PaddedBatch pad_batch(std::span<const TokenIds> sequences, const TokenLimits& limits,
                      std::span<const TokenIds> types) {
  if (sequences.empty()) throw Error("the batch is empty: there is nothing to run the model on");
  if (!types.empty() && types.size() != sequences.size()) {
    throw Error("token types are given for " + std::to_string(types.size()) + " sequences, the batch has " +
                std::to_string(sequences.size()));
  }
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
    for (int64_t p = 0; p < length; ++p) check_token_id(tokens[p], b, p, limits);
    batch.lengths.push_back(length);
    batch.length = std::max(batch.length, length);
  }
  batch.ids.assign(batch.size * batch.length, limits.pad_token_id);
  for (int64_t b = 0; b < batch.size; ++b) {
    std::copy(sequences[b].begin(), sequences[b].end(), batch.ids.begin() + b * batch.length);
  }
  if (types.empty() || limits.type_vocab_size == 0) return batch;
  batch.type_ids.assign(batch.ids.size(), 0);
  for (int64_t b = 0; b < batch.size; ++b) {
    if (types[b].size() != sequences[b].size()) {
      throw Error("sequence " + std::to_string(b) + " has " + std::to_string(sequences[b].size()) +
                  " tokens but " + std::to_string(types[b].size()) + " token types");
    }
    for (size_t p = 0; p < types[b].size(); ++p) {
      check_token_type(types[b][p], b, static_cast<int64_t>(p), limits);
      batch.type_ids[b * batch.length + p] = types[b][p];
    }
  }
  return batch;
}

namespace {

// The number of leading ones of a 0/1 mask row that has nothing but zeros after them.
int64_t right_padded_length(std::span<const int64_t> mask, int64_t sequence) {
  int64_t length = 0;
  while (length < static_cast<int64_t>(mask.size()) && mask[length] == 1) ++length;
  for (int64_t p = length; p < static_cast<int64_t>(mask.size()); ++p) {
    if (mask[p] != 0) {
      throw Error("attention mask row " + std::to_string(sequence) + ": value " +
                  std::to_string(mask[p]) + " at position " + std::to_string(p) +
                  "; expected ones followed by zeros (right padding)");
    }
  }
  if (length == 0) {
    throw Error("attention mask row " + std::to_string(sequence) + " has no real token");
  }
  return length;
}

}  // namespace

PaddedBatch batch_from_mask(std::span<const int64_t> ids, std::span<const int64_t> mask,
                            int64_t size, int64_t length, const TokenLimits& limits,
                            std::span<const int64_t> types) {
  if (size < 1 || length < 1) throw Error("the batch is empty: there is nothing to run the model on");
  if (ids.size() != static_cast<size_t>(size * length) || mask.size() != ids.size()) {
    throw Error("input ids and attention mask must both hold [" + std::to_string(size) + ", " +
                std::to_string(length) + "] values");
  }
  if (length > limits.max_sequence_length) {
    throw Error("the batch has " + std::to_string(length) +
                " positions, more than the model's max_seq_length " +
                std::to_string(limits.max_sequence_length));
  }
  PaddedBatch batch{size, length, std::vector<int32_t>(ids.size()), {}, {}};
  for (int64_t b = 0; b < size; ++b) {
    batch.lengths.push_back(right_padded_length(mask.subspan(b * length, length), b));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    check_token_id(ids[i], i / length, i % length, limits);
    batch.ids[i] = static_cast<int32_t>(ids[i]);
  }
  if (types.empty() || limits.type_vocab_size == 0) return batch;
  if (types.size() != ids.size()) {
    throw Error("token type ids must hold [" + std::to_string(size) + ", " + std::to_string(length) +
                "] values like the input ids");
  }
  batch.type_ids.resize(types.size());
  for (size_t i = 0; i < types.size(); ++i) {
    check_token_type(types[i], static_cast<int64_t>(i) / length, static_cast<int64_t>(i) % length, limits);
    batch.type_ids[i] = static_cast<int32_t>(types[i]);
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

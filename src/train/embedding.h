#pragma once

// The word + position (+ token type, BERT) embedding of a batch of equal-length sequences
// (docs/model.md §2.1, §5) and its gradient:
// out[r] = words[ids[r]] + scale · positions[r mod length] (+ types[type_ids[r]]).

#include <cstdint>
#include <optional>
#include <span>

namespace ufb::train {

template <class T>
struct EmbeddingParams {
  int64_t hidden = 0;
  std::span<const T> words;      // [vocab, hidden]
  std::span<const T> positions;  // [≥ length, hidden]: the sinusoidal table or a learned one
  T scale = T{1};                // the learned scale_factor (1 for learned positions)
  std::span<const T> types;      // [type_vocab, hidden]: BERT's token types; empty: none
};

template <class T>
struct EmbeddingGrads {
  std::span<T> words;      // += per used row
  std::span<T> positions;  // learned positions only; empty for the fixed sinusoidal table
  T* scale = nullptr;      // sinusoidal only; nullptr for learned positions
  // A row that gets no gradient (nn.Embedding's padding_idx), if any.
  std::optional<int32_t> frozen_id;
  std::span<T> types;  // += per used row, where the embedding has token types
};

// ids [rows] with rows a multiple of `length`; type_ids [rows] where params.types is given
// (empty: type 0 everywhere). Throws ufb::Error for an id or type outside its table.
template <class T>
void embedding_forward(const EmbeddingParams<T>& params, std::span<const int32_t> ids,
                       int64_t length, std::span<T> out, std::span<const int32_t> type_ids = {});

template <class T>
void embedding_backward(const EmbeddingParams<T>& params, std::span<const int32_t> ids,
                        int64_t length, std::span<const T> dout, const EmbeddingGrads<T>& grads,
                        std::span<const int32_t> type_ids = {});

}  // namespace ufb::train

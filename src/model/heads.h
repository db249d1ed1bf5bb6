#pragma once

// The heads on the encoder's final hidden states (docs/model.md §2.5–2.6), one definition for
// inference and training: float runs the model, double checks gradients. Training adds the
// backward passes, which sit next to the forward ones.

#include <cstdint>
#include <span>

#include "ufb/io/config.h"
#include "ops/linear.h"

namespace ufb::model {

// A linear layer of a head over `in_features` inputs: weight [out, in_features] and its bias
// (empty for the masked-LM decoder).
template <class T>
ops::LinearWeights<T> head_layer(int64_t in_features, std::span<const T> weight,
                                 std::span<const T> bias = {}) {
  return {in_features, static_cast<int64_t>(weight.size()) / in_features, weight, bias};
}

// out [width] = the mean of rows [0, count) of sequence `sequence` of hidden
// [sequences, length, width], summed in double (exact for one row).
template <class T>
void mean_of_rows(std::span<const T> hidden, int64_t length, int64_t width, int64_t sequence,
                  int64_t count, std::span<T> out);

// Pools each of `sequences` sequences of hidden [sequences, length, width] into pooled
// [sequences, width]: the `avg` pooler takes the mean over every position, padding included
// (docs/model.md §2.6), summed in double; `zero_index` takes position 0.
template <class T>
void pool_sequences(io::Pooler pooler, std::span<const T> hidden, int64_t sequences,
                    int64_t length, int64_t width, std::span<T> pooled);

// dhidden += the gradient of pool_sequences for dpooled.
template <class T>
void pool_sequences_backward(io::Pooler pooler, std::span<const T> dpooled, int64_t sequences,
                             int64_t length, int64_t width, std::span<T> dhidden);

// The classifier's pooler: features [sequences, out] = tanh(pooled · W^T + b).
template <class T>
void pooler_forward(const ops::LinearWeights<T>& dense, std::span<const T> pooled,
                    int64_t sequences, std::span<T> features);

}  // namespace ufb::model

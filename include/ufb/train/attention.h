#pragma once

// Bidirectional multi-head self-attention over a batch of equal-length (padded) sequences
// (MODEL.md §2.3, without the output projection) and its gradient. Every position, padding
// included, is a query, as in the original; padding keys get −10000 added to their scores.

#include <cstdint>
#include <span>
#include <vector>

#include "ufb/ops/attention.h"

namespace ufb::train {

struct AttentionBatch {
  ops::AttentionShape shape;
  int64_t sequences = 0;             // B
  int64_t length = 0;                // S: rows per sequence
  std::span<const int64_t> lengths;  // [B]: real tokens of each sequence
  double score_scale = 0;            // norm_factor, 1/√d

  int64_t rows() const { return sequences * length; }
  // Entries of the [B, heads, S, S] probability tensor.
  int64_t probability_count() const { return sequences * shape.heads * length * length; }
};

// Softmax probabilities [B, heads, S, S] kept for the backward pass.
template <class T>
struct AttentionCache {
  std::vector<T> probabilities;
};

// qkv [rows, 3·hidden] interleaved per head → context [rows, hidden]. `dropout_scales`, when not
// empty, multiplies the probabilities ([B, heads, S, S]: 0 or 1/(1−p)).
template <class T>
void attention_forward(const AttentionBatch& batch, std::span<const T> qkv,
                       std::span<const T> dropout_scales, std::span<T> context,
                       AttentionCache<T>& cache);

// dqkv [rows, 3·hidden] is overwritten.
template <class T>
void attention_backward(const AttentionBatch& batch, std::span<const T> qkv,
                        std::span<const T> dropout_scales, const AttentionCache<T>& cache,
                        std::span<const T> dcontext, std::span<T> dqkv);

}  // namespace ufb::train

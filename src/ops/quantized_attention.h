#pragma once

// Self-attention with int8 products, for --dtype int8 inference. The two products of each
// (sequence, head) run on int8 codes with int32 sums (AVX512-VNNI / AMX through oneDNN):
//   scores = Q · K^T: queries and keys quantized symmetrically per row (one scale per token);
//   context = P · V: the probabilities as uint8 codes per row, values per column (one scale per
//   feature of the head, over the sequence's tokens, since the sum runs over tokens).
// The probability codes are round(255 · exp(score − row max)) and the row's scale is 1 / Σ codes,
// so each quantized row sums to exactly 1; padding keys get code 0. Softmax, scaling and the
// residual stay float32. Error: docs/benchmarks.md ("int8 attention").

#include <span>

#include "ufb/ops/attention.h"

namespace ufb::ops {

// self_attention (ufb/ops/attention.h) for inference in float32, with int8 products. Same
// layouts, padding and errors.
void self_attention_int8(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                         std::span<const AttentionSequence> sequences, std::span<float> context);

}  // namespace ufb::ops

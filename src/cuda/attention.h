#pragma once

// Self-attention on the GPU: ops::self_attention's function (ufb/ops/attention.h, docs/model.md
// §2.3) on device arrays, without a training state.

#include <cstdint>

#include <cuda_runtime.h>

#include "ufb/ops/attention.h"

namespace ufb::cuda {

// Heads up to this size (BERT-base's and crammedBERT's are 64, MiniLM's 32).
inline constexpr int64_t kMaxAttentionHeadDim = 128;

// qkv [total_rows, 3·hidden] and context [total_rows, hidden] in ops::self_attention's layout;
// `sequences` (device memory, `sequence_count` of them, each at most `max_rows` rows) say which
// rows attend to which. Queued on `stream`. Throws ufb::Error for a head_dim above
// kMaxAttentionHeadDim or more sequences than a grid holds.
void self_attention(const float* qkv, const ops::AttentionShape& shape, float score_scale,
                    const ops::AttentionSequence* sequences, int64_t sequence_count, int64_t max_rows,
                    float* context, cudaStream_t stream);

}  // namespace ufb::cuda

#pragma once

#include <cstddef>
#include <span>

#include "ufb/ops/attention.h"

namespace ufb::ops {

// Throws ufb::Error unless qkv [rows, 3·hidden], context [rows, hidden] and every sequence's rows
// fit together (self_attention's contract).
void check_attention_sizes(size_t qkv_size, const AttentionShape& shape,
                           std::span<const AttentionSequence> sequences, size_t context_size);

}  // namespace ufb::ops

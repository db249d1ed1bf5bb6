#pragma once

// The arithmetic of an int8 FFF layer (docs/model.md §6) that the native kernel and the plain
// int8 reference share, so that both route on bit-identical logits.

#include <cmath>
#include <cstdint>

namespace ufb::ops {

// x·W_in[n] + b_in[n] from the exact int32 sum of the codes' products. One std::fma, rounded
// once: neither caller's compiler may contract or reorder it differently, and a routing decision
// can then not depend on which of them computed it.
inline float fff_int8_logit(int32_t code_dot, float token_scale, float row_scale, float bias) {
  return std::fma(static_cast<float>(code_dot), token_scale * row_scale, bias);
}

}  // namespace ufb::ops

#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::ops {

// crammedBERT's sinusoidal table [positions, hidden] (docs/model.md §2.1), computed in float32 the
// way PyTorch builds it: P[p, 2i] = sin(p·w_i), P[p, 2i+1] = cos(p·w_i),
// w_i = exp(2i · (−ln 10000 / hidden)).
std::vector<float> sinusoidal_positions(int64_t positions, int64_t hidden);

// The embedding of one sequence: out[p] = word_table[ids[p]] + position_scale · positions[p]
// for p in [0, ids.size()). word_table is [vocab, hidden], positions [≥ ids.size(), hidden],
// out [ids.size(), hidden]. Throws ufb::Error for an id outside the table or bad sizes.
void embed_sequence(std::span<const float> word_table, int64_t hidden,
                    std::span<const int32_t> ids, std::span<const float> positions,
                    float position_scale, std::span<float> out);

}  // namespace ufb::ops

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
// (+ type_table[types[p]] where a type table is given: BERT's token type embeddings; types
// empty means type 0) for p in [0, ids.size()). word_table is [vocab, hidden], positions
// [≥ ids.size(), hidden], type_table [types, hidden], out [ids.size(), hidden]. Throws ufb::Error
// for an id or type outside its table or bad sizes.
void embed_sequence(std::span<const float> word_table, int64_t hidden,
                    std::span<const int32_t> ids, std::span<const float> positions,
                    float position_scale, std::span<float> out,
                    std::span<const float> type_table = {}, std::span<const int32_t> types = {});

}  // namespace ufb::ops

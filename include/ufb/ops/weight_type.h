#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ufb::ops {

// The precision a kernel computes in. f32 and bf16 are its weights' storage (a bf16 matmul
// also rounds its inputs to bf16; sums stay float32). int8: weights quantized per output channel
// (symmetric), inputs per row at run time, sums in int32 (FFF layers: per neuron, the inputs per
// token; docs/model.md §6).
enum class WeightType { f32, bf16, int8 };

std::string_view to_string(WeightType type);
WeightType parse_weight_type(std::string_view name);  // "f32" | "bf16" | "int8"; throws ufb::Error

// Round-to-nearest-even conversion to bfloat16 (NaN stays NaN).
uint16_t to_bf16_bits(float value);
float from_bf16_bits(uint16_t bits);
inline float round_to_bf16(float value) { return from_bf16_bits(to_bf16_bits(value)); }
void round_to_bf16(std::span<float> values);

}  // namespace ufb::ops

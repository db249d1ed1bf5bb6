#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace ufb::ops {

// Storage type of a kernel's weights. Activations and accumulation stay float32 either way.
enum class WeightType { f32, bf16 };

std::string_view to_string(WeightType type);
WeightType parse_weight_type(std::string_view name);  // "f32" | "bf16"; throws ufb::Error

// Round-to-nearest-even conversion to bfloat16 (NaN stays NaN).
uint16_t to_bf16_bits(float value);
float from_bf16_bits(uint16_t bits);
inline float round_to_bf16(float value) { return from_bf16_bits(to_bf16_bits(value)); }
void round_to_bf16(std::span<float> values);

}  // namespace ufb::ops

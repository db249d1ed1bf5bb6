#include "ufb/ops/weight_type.h"

#include <bit>
#include <string>

#include "ufb/error.h"

namespace ufb::ops {

std::string_view to_string(WeightType type) {
  switch (type) {
    case WeightType::f32: return "f32";
    case WeightType::bf16: return "bf16";
    case WeightType::int8: return "int8";
  }
  return "?";
}

WeightType parse_weight_type(std::string_view name) {
  if (name == "f32") return WeightType::f32;
  if (name == "bf16") return WeightType::bf16;
  if (name == "int8") return WeightType::int8;
  throw Error("unknown weight type '" + std::string(name) + "' (expected f32, bf16 or int8)");
}

uint16_t to_bf16_bits(float value) {
  const uint32_t bits = std::bit_cast<uint32_t>(value);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // quiet NaN
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

float from_bf16_bits(uint16_t bits) { return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16); }

void round_to_bf16(std::span<float> values) {
  for (float& value : values) value = round_to_bf16(value);
}

}  // namespace ufb::ops

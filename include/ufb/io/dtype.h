#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace ufb::io {

// Element types a weights file may declare. The model is computed in float32; F16 and BF16
// weights are widened on load. The other types are known so that a file holding them (an int64
// `position_ids` buffer, say) can still be validated and read; they cannot be used as weights.
enum class DType : std::uint8_t {
  kF32,
  kF16,
  kBF16,
  kF64,
  kI64,
  kI32,
  kI16,
  kI8,
  kU8,
  kBool,
};

// The safetensors spelling ("F32", "BF16", ...).
std::string_view dtype_name(DType dtype);
std::size_t dtype_size_bytes(DType dtype);
// Parses the safetensors spelling; nullopt for anything else.
std::optional<DType> parse_dtype(std::string_view name);
// Whether values of this type can be widened to float32 without loss (F32, F16, BF16).
bool is_float_weight_type(DType dtype);

float half_to_float(std::uint16_t bits);
float bfloat16_to_float(std::uint16_t bits);

// Widens little-endian F32/F16/BF16 bytes into `out` (out.size() elements). `bytes` need not be
// aligned. The caller guarantees bytes.size() == out.size() * dtype_size_bytes(dtype).
void widen_to_float32(DType dtype, std::span<const std::byte> bytes, std::span<float> out);

}  // namespace ufb::io

#pragma once

// What every fuzz target shares: the input as the span or text the library takes.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ufb::fuzz {

inline std::span<const std::byte> as_bytes(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace ufb::fuzz

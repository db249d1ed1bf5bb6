#pragma once

// NumPy's .npy files (format versions 1.0–3.0): how `ufb dump` takes its inputs and gives its
// outputs, so that a PyTorch session can np.load them directly. Only C-order, little-endian
// arrays of the types below are read or written.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "ufb/io/dtype.h"

namespace ufb::io {

// One array: `data` holds the element bytes in C order, little-endian.
struct NpyArray {
  DType dtype = DType::kF32;  // kF32, kF64, kI32, kI64 or kBool
  std::vector<std::int64_t> shape;
  std::vector<std::byte> data;

  std::uint64_t element_count() const;
};

// Parses a whole .npy file held in memory. Throws ufb::Error naming `source_name` and what is
// wrong: bad magic, unsupported version or dtype, Fortran order, a malformed header, or a data
// size that does not match the shape.
NpyArray parse_npy(std::span<const std::byte> bytes, const std::string& source_name);
NpyArray read_npy(const std::filesystem::path& path);

// The values of an integer or boolean array as int64.
std::vector<std::int64_t> npy_integers(const NpyArray& array, const std::string& source_name);

// The bytes of a .npy file (version 1.0) holding `values` with `shape`.
std::string format_npy(DType dtype, std::span<const std::int64_t> shape,
                       std::span<const std::byte> values);

// Writes a .npy file atomically (temp file + rename).
void write_npy(const std::filesystem::path& path, std::span<const std::int64_t> shape,
               std::span<const float> values);
void write_npy(const std::filesystem::path& path, std::span<const std::int64_t> shape,
               std::span<const std::int32_t> values);

}  // namespace ufb::io

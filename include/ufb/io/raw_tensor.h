#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ufb/io/dtype.h"

namespace ufb::io {

// One tensor of a weights file as stored: its bytes are borrowed from the file (or from a buffer
// the reader owns) and stay valid as long as that reader lives. Row-major, little-endian.
struct RawTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;
  std::span<const std::byte> bytes;
};

// A validated weights file: every RawTensor it lists has bytes.size() == element count × dtype
// size, within the file.
class TensorArchive {
 public:
  virtual ~TensorArchive() = default;
  // What error messages name as the source ("model.safetensors" as opened).
  virtual const std::string& source_name() const = 0;
  virtual const std::vector<RawTensor>& tensors() const = 0;
  // nullptr when no tensor has that name.
  const RawTensor* find(std::string_view name) const;
  // Releases the memory behind a tensor's bytes where that can be undone by reading them again
  // (pages of a memory-mapped file); a no-op for archives that hold their tensors in memory.
  virtual void release_pages(std::span<const std::byte> /*bytes*/) const {}
};

// "[4095,768]"; "[]" for a scalar.
std::string format_shape(std::span<const std::int64_t> shape);

// Product of the dimensions; throws ufb::Error naming `where` on a negative dimension or when
// the product times `element_size_bytes` overflows 64 bits. Returns the element count.
std::uint64_t checked_element_count(std::span<const std::int64_t> shape,
                                    std::size_t element_size_bytes, const std::string& where);

// A name or value from a file, made safe to put in a one-line message: printable ASCII is kept,
// other bytes become \xNN, and very long text is cut.
std::string printable(std::string_view text);

}  // namespace ufb::io

namespace ufb::io {

// The float32 values of an F32, F16 or BF16 tensor: the stored bytes themselves where they are
// F32 and 4-byte aligned, otherwise widened into `storage` (resized here). Throws ufb::Error
// naming `source_name`, the tensor and its dtype for any other dtype.
std::span<const float> as_float32(const RawTensor& tensor, std::vector<float>& storage,
                                  const std::string& source_name);

}  // namespace ufb::io

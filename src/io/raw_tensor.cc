#include "ufb/io/raw_tensor.h"

#include <cstdio>
#include <limits>

#include "ufb/error.h"

namespace ufb::io {

const RawTensor* TensorArchive::find(std::string_view name) const {
  for (const RawTensor& tensor : tensors()) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

std::string format_shape(std::span<const std::int64_t> shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(shape[i]);
  }
  return text + "]";
}

std::uint64_t checked_element_count(std::span<const std::int64_t> shape,
                                    std::size_t element_size_bytes, const std::string& where) {
  std::uint64_t count = 1;
  for (std::int64_t dim : shape) {
    if (dim < 0) throw Error(where + " has a negative dimension in shape " + format_shape(shape));
    if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(dim), &count)) {
      throw Error(where + " has shape " + format_shape(shape) + ", whose size overflows 64 bits");
    }
  }
  std::uint64_t bytes;
  if (__builtin_mul_overflow(count, static_cast<std::uint64_t>(element_size_bytes), &bytes) ||
      bytes > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    throw Error(where + " has shape " + format_shape(shape) + ", whose size overflows 64 bits");
  }
  return count;
}

std::string printable(std::string_view text) {
  constexpr std::size_t kMaxLength = 200;
  std::string out;
  for (std::size_t i = 0; i < text.size() && i < kMaxLength; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte < 0x7f) {
      out += static_cast<char>(byte);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    }
  }
  if (text.size() > kMaxLength) out += "...";
  return out;
}

}  // namespace ufb::io

namespace ufb::io {

std::span<const float> as_float32(const RawTensor& tensor, std::vector<float>& storage,
                                  const std::string& source_name) {
  if (!is_float_weight_type(tensor.dtype)) {
    throw Error(source_name + ": tensor " + printable(tensor.name) + " has dtype " +
                std::string(dtype_name(tensor.dtype)) + ", expected F32, F16 or BF16");
  }
  const std::size_t count = tensor.bytes.size() / dtype_size_bytes(tensor.dtype);
  if (tensor.dtype == DType::kF32 &&
      reinterpret_cast<std::uintptr_t>(tensor.bytes.data()) % alignof(float) == 0) {
    return {reinterpret_cast<const float*>(tensor.bytes.data()), count};
  }
  storage.resize(count);
  widen_to_float32(tensor.dtype, tensor.bytes, storage);
  return storage;
}

}  // namespace ufb::io

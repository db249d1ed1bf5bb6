// The .npy format is a 10- or 12-byte preamble and a Python dict literal
// ({'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }); parsing that literal strictly
// takes less code than adapting a tensor library's reader to our error reporting.
#include "ufb/io/npy.h"

#include <bit>
#include <cctype>
#include <cstring>
#include <optional>
#include <string_view>

#include "ufb/atomic_file.h"
#include "ufb/error.h"
#include "io/mapped_file.h"
#include "ufb/io/raw_tensor.h"

namespace ufb::io {
namespace {

static_assert(std::endian::native == std::endian::little, "ufb reads .npy data in place");

constexpr std::string_view kMagic = "\x93NUMPY";

struct Descriptor {
  std::string_view descr;
  DType dtype;
};

// NumPy's spelling of each supported type; '|' marks one-byte types without byte order.
constexpr Descriptor kDescriptors[] = {
    {"<f4", DType::kF32}, {"<f8", DType::kF64}, {"<i4", DType::kI32},
    {"<i8", DType::kI64}, {"|b1", DType::kBool},
};

std::optional<DType> dtype_of(std::string_view descr) {
  for (const Descriptor& known : kDescriptors) {
    if (known.descr == descr) return known.dtype;
  }
  return std::nullopt;
}

std::string_view descr_of(DType dtype) {
  for (const Descriptor& known : kDescriptors) {
    if (known.dtype == dtype) return known.descr;
  }
  throw Error(".npy: arrays of " + std::string(dtype_name(dtype)) + " are not supported");
}

// The header's dict literal, read left to right.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& source_name)
      : text_(text), source_name_(source_name) {}

  NpyArray parse() {
    NpyArray array;
    bool has_descr = false;
    bool has_order = false;
    bool has_shape = false;
    expect('{');
    while (!accept('}')) {
      const std::string key = quoted();
      expect(':');
      if (key == "descr") {
        const std::string descr = quoted();
        const std::optional<DType> dtype = dtype_of(descr);
        if (!dtype) {
          fail("dtype '" + printable(descr) + "' is not supported (expected <f4, <f8, <i4, <i8 or |b1)");
        }
        array.dtype = *dtype;
        has_descr = true;
      } else if (key == "fortran_order") {
        if (boolean()) fail("Fortran-order arrays are not supported (save a C-order array)");
        has_order = true;
      } else if (key == "shape") {
        array.shape = shape();
        has_shape = true;
      } else {
        fail("unexpected header key '" + printable(key) + "'");
      }
      if (!accept(',')) {
        expect('}');
        break;
      }
    }
    if (!has_descr || !has_order || !has_shape) {
      fail("the header lacks one of 'descr', 'fortran_order' and 'shape'");
    }
    skip_space();
    if (position_ != text_.size()) fail("unexpected text after the header dict");
    return array;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(source_name_ + ": " + what);
  }

  void skip_space() {
    while (position_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[position_]))) {
      ++position_;
    }
  }

  bool accept(char c) {
    skip_space();
    if (position_ < text_.size() && text_[position_] == c) {
      ++position_;
      return true;
    }
    return false;
  }

  void expect(char c) {
    if (!accept(c)) fail(std::string("malformed .npy header: expected '") + c + "'");
  }

  std::string quoted() {
    skip_space();
    if (position_ >= text_.size() || (text_[position_] != '\'' && text_[position_] != '"')) {
      fail("malformed .npy header: expected a quoted string");
    }
    const char quote = text_[position_++];
    const size_t end = text_.find(quote, position_);
    if (end == std::string_view::npos) fail("malformed .npy header: unterminated string");
    std::string value(text_.substr(position_, end - position_));
    position_ = end + 1;
    return value;
  }

  bool boolean() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(position_).starts_with(word)) {
        position_ += std::strlen(word);
        return value;
      }
    }
    fail("malformed .npy header: expected True or False");
  }

  std::vector<std::int64_t> shape() {
    std::vector<std::int64_t> dims;
    expect('(');
    while (!accept(')')) {
      dims.push_back(dimension());
      if (!accept(',')) {
        expect(')');
        break;
      }
    }
    return dims;
  }

  std::int64_t dimension() {
    skip_space();
    std::int64_t value = 0;
    const size_t start = position_;
    while (position_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[position_]))) {
      if (value > (INT64_MAX - 9) / 10) fail("a dimension of the shape is too large");
      value = value * 10 + (text_[position_++] - '0');
    }
    if (position_ == start) fail("malformed .npy header: expected a dimension");
    return value;
  }

  std::string_view text_;
  const std::string& source_name_;
  size_t position_ = 0;
};

std::uint32_t little_endian(std::span<const std::byte> bytes) {
  std::uint32_t value = 0;
  for (size_t i = bytes.size(); i-- > 0;) value = (value << 8) | std::to_integer<std::uint32_t>(bytes[i]);
  return value;
}

template <typename T>
void write_values(const std::filesystem::path& path, DType dtype,
                  std::span<const std::int64_t> shape, std::span<const T> values) {
  const std::uint64_t count = checked_element_count(shape, sizeof(T), path.string());
  if (count != values.size()) {
    throw Error(path.string() + ": shape " + format_shape(shape) + " holds " +
                std::to_string(count) + " values, got " + std::to_string(values.size()));
  }
  write_file_atomically(path, format_npy(dtype, shape, std::as_bytes(values)));
}

}  // namespace

std::uint64_t NpyArray::element_count() const {
  return checked_element_count(shape, dtype_size_bytes(dtype), "npy array");
}

NpyArray parse_npy(std::span<const std::byte> bytes, const std::string& source_name) {
  const auto fail = [&](const std::string& what) { throw Error(source_name + ": " + what); };
  if (bytes.size() < 10 ||
      std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) != 0) {
    fail("not a .npy file (no \\x93NUMPY magic)");
  }
  const auto major = std::to_integer<int>(bytes[6]);
  if (major < 1 || major > 3) fail("unsupported .npy format version " + std::to_string(major));
  const size_t length_bytes = major == 1 ? 2 : 4;
  const size_t preamble = 8 + length_bytes;
  if (bytes.size() < preamble) fail("truncated .npy header");
  const std::uint64_t header_length = little_endian(bytes.subspan(8, length_bytes));
  if (header_length > bytes.size() - preamble) {
    fail("the header length " + std::to_string(header_length) + " runs past the end of the file");
  }
  const std::string_view header(reinterpret_cast<const char*>(bytes.data() + preamble),
                                header_length);
  NpyArray array = HeaderParser(header, source_name).parse();
  const std::uint64_t count =
      checked_element_count(array.shape, dtype_size_bytes(array.dtype), source_name);
  const std::span<const std::byte> data = bytes.subspan(preamble + header_length);
  if (data.size() != count * dtype_size_bytes(array.dtype)) {
    fail("shape " + format_shape(array.shape) + " of " + std::string(descr_of(array.dtype)) +
         " needs " + std::to_string(count * dtype_size_bytes(array.dtype)) +
         " data bytes, the file has " + std::to_string(data.size()));
  }
  array.data.assign(data.begin(), data.end());
  return array;
}

NpyArray read_npy(const std::filesystem::path& path) {
  const MappedFile file(path);
  return parse_npy(file.bytes(), path.string());
}

std::vector<std::int64_t> npy_integers(const NpyArray& array, const std::string& source_name) {
  const std::uint64_t count = array.element_count();
  std::vector<std::int64_t> values(count);
  for (std::uint64_t i = 0; i < count; ++i) {
    switch (array.dtype) {
      case DType::kI64: std::memcpy(&values[i], array.data.data() + 8 * i, 8); break;
      case DType::kI32: {
        std::int32_t value;
        std::memcpy(&value, array.data.data() + 4 * i, 4);
        values[i] = value;
        break;
      }
      case DType::kBool: values[i] = std::to_integer<std::int64_t>(array.data[i]) != 0; break;
      default:
        throw Error(source_name + ": expected an integer array (int32, int64 or bool), got " +
                    std::string(descr_of(array.dtype)));
    }
  }
  return values;
}

std::string format_npy(DType dtype, std::span<const std::int64_t> shape,
                       std::span<const std::byte> values) {
  std::string tuple;  // Python's spelling: (), (5,), (2, 3)
  for (size_t i = 0; i < shape.size(); ++i) tuple += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1) tuple += ",";
  std::string dict = "{'descr': '" + std::string(descr_of(dtype)) +
                     "', 'fortran_order': False, 'shape': (" + tuple + ")";
  dict += ", }";
  // NumPy pads the header with spaces and a newline so that the data starts 64-byte aligned.
  const size_t unpadded = 10 + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  if (dict.size() > 65535) throw Error(".npy: the shape is too long for a version 1.0 header");
  std::string file(kMagic);
  file += '\x01';
  file += '\x00';
  file += static_cast<char>(dict.size() & 0xff);
  file += static_cast<char>(dict.size() >> 8);
  file += dict;
  file.append(reinterpret_cast<const char*>(values.data()), values.size());
  return file;
}

void write_npy(const std::filesystem::path& path, std::span<const std::int64_t> shape,
               std::span<const float> values) {
  write_values(path, DType::kF32, shape, values);
}

void write_npy(const std::filesystem::path& path, std::span<const std::int64_t> shape,
               std::span<const std::int32_t> values) {
  write_values(path, DType::kI32, shape, values);
}

}  // namespace ufb::io

#include "ufb/io/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "ufb/error.h"

namespace ufb::io {
namespace {

std::span<const std::byte> bytes_of(const std::string& text) {
  return std::as_bytes(std::span<const char>(text));
}

// A version-1 file with the given header dict and data bytes, padded as NumPy pads it.
std::string npy_file(std::string dict, const std::string& data, char major = 1) {
  dict.append((64 - (10 + dict.size() + 1) % 64) % 64, ' ');
  dict += '\n';
  std::string file = "\x93NUMPY";
  file += major;
  file += '\0';
  file += static_cast<char>(dict.size() & 0xff);
  file += static_cast<char>(dict.size() >> 8);
  if (major > 1) file += std::string(2, '\0');
  return file + dict + data;
}

void expect_error(const std::string& file, const std::string& message) {
  try {
    parse_npy(bytes_of(file), "x.npy");
    FAIL() << "expected: " << message;
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), ("x.npy: " + message).c_str());
  }
}

TEST(Npy, FormatsTheHeaderAsNumPyDoes) {
  const float values[] = {1.5f, -2.0f, 0.25f, 8.0f, 0.0f, 3.0f};
  const int64_t shape[] = {2, 3};
  const std::string file = format_npy(DType::kF32, shape, std::as_bytes(std::span(values)));
  EXPECT_EQ(file.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const size_t header_end = file.find('\n');
  EXPECT_EQ((header_end + 1) % 64, 0u);  // data 64-byte aligned
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  EXPECT_EQ(file.substr(10, dict.size() + 1), dict + " ");
  const int64_t vector_shape[] = {3};
  EXPECT_NE(format_npy(DType::kF32, vector_shape, std::as_bytes(std::span(values).first(3)))
                .find("'shape': (3,), }"),
            std::string::npos);
  EXPECT_NE(format_npy(DType::kF32, {}, std::as_bytes(std::span(values).first(1))).find("'shape': ()"),
            std::string::npos);
}

TEST(Npy, RoundTripsFloatsAndInts) {
  const int32_t values[] = {7, -1, 2147483647, 0};
  const int64_t shape[] = {2, 1, 2};
  const NpyArray array = parse_npy(
      bytes_of(format_npy(DType::kI32, shape, std::as_bytes(std::span(values)))), "x.npy");
  EXPECT_EQ(array.dtype, DType::kI32);
  EXPECT_EQ(array.shape, (std::vector<int64_t>{2, 1, 2}));
  EXPECT_EQ(npy_integers(array, "x.npy"), (std::vector<int64_t>{7, -1, 2147483647, 0}));
}

TEST(Npy, ReadsVersion2HeadersDoubleQuotesAndBooleans) {
  const NpyArray array = parse_npy(
      bytes_of(npy_file("{\"shape\": (3,), \"fortran_order\": False, \"descr\": \"|b1\"}",
                        std::string("\x01\x00\x01", 3), 2)),
      "x.npy");
  EXPECT_EQ(npy_integers(array, "x.npy"), (std::vector<int64_t>{1, 0, 1}));
}

TEST(Npy, WritesAtomicallyAndReadsBack) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() / "ufb_npy_test.npy";
  const float values[] = {1.0f, 2.0f};
  const int64_t shape[] = {1, 2};
  write_npy(path, shape, values);
  const NpyArray array = read_npy(path);
  EXPECT_EQ(array.shape, (std::vector<int64_t>{1, 2}));
  float read[2];
  std::memcpy(read, array.data.data(), sizeof(read));
  EXPECT_EQ(read[1], 2.0f);
  const int64_t wrong_shape[] = {3};
  EXPECT_THROW(write_npy(path, wrong_shape, values), Error);
  std::filesystem::remove(path);
}

TEST(Npy, RefusesMalformedFiles) {
  const std::string header = "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }";
  expect_error("PK\x03\x04 not numpy", "not a .npy file (no \\x93NUMPY magic)");
  expect_error(npy_file(header, std::string(16, '\0'), 4), "unsupported .npy format version 4");
  expect_error(npy_file(header, std::string(15, '\0')),
               "shape [2] of <i8 needs 16 data bytes, the file has 15");
  expect_error(npy_file(header, "").substr(0, 40), "the header length 118 runs past the end of the file");
  expect_error(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", ""),
               "dtype '>f4' is not supported (expected <f4, <f8, <i4, <i8 or |b1)");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "abcd"),
               "Fortran-order arrays are not supported (save a C-order array)");
  expect_error(npy_file("{'descr': '<f4', 'shape': (1,), }", "abcd"),
               "the header lacks one of 'descr', 'fortran_order' and 'shape'");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (1, x), }", "abcd"),
               "malformed .npy header: expected a dimension");
  expect_error(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", ""),
               "a dimension of the shape is too large");
  try {
    parse_npy(bytes_of(npy_file(
                  "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }", "")),
              "x.npy");
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "x.npy has shape [4294967296,4294967296], whose size overflows 64 bits");
  }
}

TEST(Npy, IntegersOnlyFromIntegerArrays) {
  const float values[] = {1.0f};
  const int64_t shape[] = {1};
  const NpyArray array =
      parse_npy(bytes_of(format_npy(DType::kF32, shape, std::as_bytes(std::span(values)))), "x.npy");
  try {
    npy_integers(array, "ids.npy");
    FAIL();
  } catch (const Error& error) {
    EXPECT_STREQ(error.what(), "ids.npy: expected an integer array (int32, int64 or bool), got <f4");
  }
}

}  // namespace
}  // namespace ufb::io

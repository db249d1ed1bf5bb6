#include "io/safetensors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>

#include "io/io_test_util.h"
#include "ufb/io/dtype.h"

namespace ufb::io {
namespace {

using nlohmann::json;
using testing::error_message;
using testing::fixture;
using testing::TempDir;

std::vector<std::byte> image(const std::string& header, const std::vector<std::byte>& data) {
  std::vector<std::byte> bytes(8);
  const std::uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<std::byte>((length >> (8 * i)) & 0xff);
  const std::vector<std::byte> text = testing::to_bytes(header);
  bytes.insert(bytes.end(), text.begin(), text.end());
  bytes.insert(bytes.end(), data.begin(), data.end());
  return bytes;
}

template <typename T>
std::vector<std::byte> bytes_of(const std::vector<T>& values) {
  std::vector<std::byte> bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

class SafetensorsErrors : public ::testing::Test {
 protected:
  // The error opening a file with this header and `data_bytes` bytes of data, without the
  // "<path>: " prefix (checked here).
  std::string error_for(const std::string& header, std::size_t data_bytes) {
    return error_for_image(image(header, std::vector<std::byte>(data_bytes)));
  }
  std::string error_for_image(const std::vector<std::byte>& bytes) {
    testing::write_bytes(path_, bytes);
    const std::string message = error_message([&] { SafetensorsFile file(path_); });
    const std::string prefix = path_.string() + ": ";
    EXPECT_EQ(message.substr(0, prefix.size()), prefix);
    return message.substr(std::min(prefix.size(), message.size()));
  }

  TempDir dir_;
  std::filesystem::path path_ = dir_ / "model.safetensors";
};

TEST(Safetensors, ReadsFixture) {
  const SafetensorsFile file(fixture("fff_mlm/model.safetensors"));
  EXPECT_EQ(file.metadata().at("format"), "pt");
  ASSERT_EQ(file.tensors().size(), 26u);  // the tied decoder.weight copy is not stored
  const RawTensor* linear_in = file.find("encoder.layers.1.ffn.linear_in.weight");
  ASSERT_NE(linear_in, nullptr);
  EXPECT_EQ(linear_in->dtype, DType::kF32);
  EXPECT_EQ(linear_in->shape, (std::vector<std::int64_t>{14, 8}));
  EXPECT_EQ(linear_in->bytes.size(), 14u * 8 * 4);
  const RawTensor* norm_factor = file.find("encoder.layers.0.attn.self_attention.norm_factor");
  ASSERT_NE(norm_factor, nullptr);
  EXPECT_TRUE(norm_factor->shape.empty());
  std::vector<float> storage;
  const std::span<const float> value = as_float32(*norm_factor, storage, "x");
  ASSERT_EQ(value.size(), 1u);
  EXPECT_FLOAT_EQ(value[0], 0.5f);  // 1/sqrt(8/2)
  EXPECT_TRUE(storage.empty()) << "aligned F32 data is a view, not a copy";
  EXPECT_EQ(file.find("decoder.weight"), nullptr);
}

TEST(Safetensors, ParsesAnImageHeldInMemory) {
  const std::vector<std::byte> bytes = testing::read_bytes(fixture("fff_mlm/model.safetensors"));
  const SafetensorsFile file(fixture("fff_mlm/model.safetensors"));
  const SafetensorsContents contents = parse_safetensors(bytes, "in-memory");
  EXPECT_EQ(contents.metadata, file.metadata());
  testing::expect_same_tensors(contents.tensors, file.tensors());
  for (const RawTensor& tensor : contents.tensors) {  // views into the image, not copies
    EXPECT_GE(tensor.bytes.data(), bytes.data()) << tensor.name;
    EXPECT_LE(tensor.bytes.data() + tensor.bytes.size(), bytes.data() + bytes.size())
        << tensor.name;
  }
  EXPECT_EQ(error_message([&] { parse_safetensors(std::span(bytes).first(7), "in-memory"); }),
            "in-memory: file is 7 bytes, too short for the 8-byte header length");
}

TEST(Safetensors, ImageArchiveBorrowsTheBytesAndNamesItsSource) {
  const std::vector<std::byte> bytes = testing::read_bytes(fixture("fff_mlm/model.safetensors"));
  const SafetensorsFile file(fixture("fff_mlm/model.safetensors"));
  const SafetensorsImage image(bytes, "compiled-in weights");
  EXPECT_EQ(image.source_name(), "compiled-in weights");
  EXPECT_EQ(image.metadata(), file.metadata());
  testing::expect_same_tensors(image.tensors(), file.tensors());
  ASSERT_FALSE(image.tensors().empty());
  EXPECT_GE(image.tensors().front().bytes.data(), bytes.data());
  EXPECT_LT(image.tensors().front().bytes.data(), bytes.data() + bytes.size());
  EXPECT_EQ(error_message([&] { SafetensorsImage(std::span(bytes).first(7), "compiled-in weights"); }),
            "compiled-in weights: file is 7 bytes, too short for the 8-byte header length");
}

TEST_F(SafetensorsErrors, TruncatedAtSeveralPoints) {
  const std::vector<std::byte> good = testing::read_bytes(fixture("fff_mlm/model.safetensors"));
  std::uint64_t header_bytes = 0;
  std::memcpy(&header_bytes, good.data(), 8);
  const std::size_t data_bytes = good.size() - 8 - header_bytes;
  auto cut = [&](std::size_t size) {
    return error_for_image(std::vector<std::byte>(good.begin(), good.begin() + size));
  };
  EXPECT_EQ(cut(0), "file is 0 bytes, too short for the 8-byte header length");
  EXPECT_EQ(cut(5), "file is 5 bytes, too short for the 8-byte header length");
  EXPECT_EQ(cut(8), "header length " + std::to_string(header_bytes) +
                        " exceeds the 0 bytes after the length field");
  EXPECT_EQ(cut(8 + header_bytes / 2), "header length " + std::to_string(header_bytes) +
                                           " exceeds the " + std::to_string(header_bytes / 2) +
                                           " bytes after the length field");
  EXPECT_NE(cut(8 + header_bytes).find("outside the 0-byte data section"), std::string::npos);
  EXPECT_NE(cut(good.size() - 1)
                .find("outside the " + std::to_string(data_bytes - 1) + "-byte data section"),
            std::string::npos);
}

TEST_F(SafetensorsErrors, HeaderLengthTooBig) {
  std::vector<std::byte> bytes = image("{}", {});
  bytes[7] = std::byte{0x80};
  EXPECT_EQ(error_for_image(bytes),
            "header length 9223372036854775810 exceeds the 2 bytes after the length field");
}

TEST_F(SafetensorsErrors, BadJson) {
  const std::string message = error_for("{\"a\": {\"dtype\": \"F32\",", 0);
  EXPECT_EQ(message.rfind("invalid JSON header: [json.exception.parse_error.101]", 0), 0u)
      << message;
  EXPECT_EQ(error_for("[1, 2]", 0), "header is not a JSON object");
  EXPECT_EQ(error_for("{\"a\": 5}", 0), "header entry a is not a JSON object");
  EXPECT_EQ(error_for("{\"a\": {\"dtype\": \"F32\", \"shape\": [0]}}", 0),
            "tensor a has no \"data_offsets\" in the header");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]},
                          "a": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]}})",
                      0),
            "header names tensor a twice");
  EXPECT_EQ(error_for(R"({"__metadata__": {"k": 1}})", 0), "__metadata__ entry k is not a string");
}

TEST_F(SafetensorsErrors, BadOffsets) {
  const std::string a = R"("a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]})";
  EXPECT_EQ(
      error_for("{" + a + R"(, "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})", 12),
      "tensor b (bytes 4..12) overlaps tensor a");
  EXPECT_EQ(error_for("{" + a + "}", 4),
            "tensor a has data_offsets [0,8] outside the 4-byte data section");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}})", 8),
            "tensor a has data_offsets [8,0] outside the 8-byte data section");
  EXPECT_EQ(
      error_for("{" + a + R"(, "b": {"dtype": "F32", "shape": [2], "data_offsets": [12, 20]}})",
                20),
      "tensor b starts at data byte 12, expected 8 (tensors must follow each other without "
      "gaps)");
  EXPECT_EQ(error_for("{" + a + "}", 12), "data section is 12 bytes but its tensors end at 8");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}})", 8),
            "tensor a has 8 bytes of data, but shape [3] of F32 needs 12");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0]}})", 8),
            "tensor a has data_offsets [0], expected [begin, end] as non-negative integers");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, -8]}})", 8),
            "tensor a has data_offsets [0,-8], expected [begin, end] as non-negative integers");
}

TEST_F(SafetensorsErrors, BadShapesAndDtypes) {
  EXPECT_EQ(error_for(R"({"a": {"dtype": "C64", "shape": [2], "data_offsets": [0, 16]}})", 16),
            "tensor a has dtype \"C64\", which is not supported (expected F32, F16 or BF16)");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}})", 8),
            "tensor a has shape [-2], expected non-negative integers");
  EXPECT_EQ(error_for(R"({"a": {"dtype": "F32", "shape": [1099511627776, 1099511627776],
                               "data_offsets": [0, 8]}})",
                      8),
            "tensor a has shape [1099511627776,1099511627776], whose size overflows 64 bits");
  EXPECT_EQ(error_for(R"({"a\n": {"dtype": "F32", "shape": 2, "data_offsets": [0, 8]}})", 8),
            "tensor a\\x0a has a shape that is not a list");
}

TEST(Safetensors, NonFloatTensorIsReadableButNotAWeight) {
  TempDir dir;
  testing::write_bytes(dir / "i.safetensors",
                       image(R"({"ids": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]}})",
                             bytes_of(std::vector<std::int64_t>{3, 4})));
  const SafetensorsFile file(dir / "i.safetensors");
  std::vector<float> storage;
  EXPECT_EQ(error_message([&] { as_float32(file.tensors()[0], storage, "w.safetensors"); }),
            "w.safetensors: tensor ids has dtype I64, expected F32, F16 or BF16");
}

TEST(Safetensors, MisalignedF32IsCopied) {
  TempDir dir;
  // A 55-byte header puts the data at file offset 63, not 4-byte aligned.
  testing::write_bytes(dir / "m.safetensors",
                       image(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} )",
                             bytes_of(std::vector<float>{1.5f, -2.0f})));
  const SafetensorsFile file(dir / "m.safetensors");
  std::vector<float> storage;
  const std::span<const float> values = as_float32(file.tensors()[0], storage, "m");
  EXPECT_EQ(std::vector<float>(values.begin(), values.end()), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(storage.size(), 2u) << "misaligned data must be copied";
}

TEST(Safetensors, MissingFile) {
  EXPECT_EQ(error_message([] { SafetensorsFile file("/nonexistent/model.safetensors"); }),
            "/nonexistent/model.safetensors: cannot open: No such file or directory");
}

TEST(Safetensors, WriterRoundTripsAndLeavesNoTemporaryFile) {
  TempDir dir;
  const std::vector<float> weights = {1.0f, -2.5f, 3.25f, 0.0f, 7.0f, 8.0f};
  const std::vector<std::uint16_t> halves = {0x3c00, 0xc000};
  const std::vector<std::int64_t> ids = {0, 1, 2};
  const std::vector<RawTensor> tensors = {
      {"layer.weight", DType::kF32, {2, 3}, std::as_bytes(std::span(weights))},
      {"scalar", DType::kF32, {}, std::as_bytes(std::span(weights).first(1))},
      {"half", DType::kF16, {2}, std::as_bytes(std::span(halves))},
      {"ids", DType::kI64, {3}, std::as_bytes(std::span(ids))},
      {"empty", DType::kBF16, {0, 4}, {}},
  };
  const std::filesystem::path path = dir / "out.safetensors";
  testing::write_text(path, "old contents");
  write_safetensors(path, tensors, {{"step", "100"}});
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()),
                          std::filesystem::directory_iterator()),
            1);
  const SafetensorsFile file(path);
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{{"step", "100"}}));
  ASSERT_EQ(file.tensors().size(), tensors.size());
  for (std::size_t i = 0; i < tensors.size(); ++i) {
    const RawTensor& read = file.tensors()[i];  // data order is the order written
    EXPECT_EQ(read.name, tensors[i].name);
    EXPECT_EQ(read.dtype, tensors[i].dtype);
    EXPECT_EQ(read.shape, tensors[i].shape);
    ASSERT_EQ(read.bytes.size(), tensors[i].bytes.size());
    EXPECT_TRUE(std::equal(read.bytes.begin(), read.bytes.end(), tensors[i].bytes.begin()));
  }
  std::vector<float> storage;
  const std::span<const float> widened = as_float32(file.tensors()[2], storage, "x");
  EXPECT_EQ(std::vector<float>(widened.begin(), widened.end()), (std::vector<float>{1.0f, -2.0f}));
}

TEST(Safetensors, WriterRefusesInconsistentTensors) {
  TempDir dir;
  const std::filesystem::path path = dir / "w.safetensors";
  const std::vector<float> values = {1, 2, 3};
  const auto bytes = std::as_bytes(std::span(values));
  const std::vector<RawTensor> twice = {{"a", DType::kF32, {3}, bytes},
                                        {"a", DType::kF32, {3}, bytes}};
  EXPECT_EQ(error_message([&] { write_safetensors(path, twice); }),
            path.string() + ": tensor a is given twice");
  const std::vector<RawTensor> short_data = {{"a", DType::kF32, {4}, bytes}};
  EXPECT_EQ(error_message([&] { write_safetensors(path, short_data); }),
            path.string() + ": tensor a has 12 bytes, shape [4] of F32 needs 16");
  const std::vector<RawTensor> reserved = {{"__metadata__", DType::kF32, {3}, bytes}};
  EXPECT_EQ(error_message([&] { write_safetensors(path, reserved); }),
            path.string() + ": tensor __metadata__ uses the reserved name");
  EXPECT_FALSE(std::filesystem::exists(path));
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  EXPECT_EQ(error_message([&] { write_safetensors("/nonexistent/dir/w.safetensors", {}); }),
            "/nonexistent/dir/w.safetensors: cannot create a temporary file beside it: No such "
            "file or directory");
}

TEST(DType, WidensHalfAndBfloat16) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(half_to_float(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_TRUE(std::signbit(half_to_float(0x8000)));
  EXPECT_EQ(half_to_float(0x7c00), INFINITY);
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_EQ(bfloat16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16_to_float(0xc0a0), -5.0f);
}

}  // namespace
}  // namespace ufb::io

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "ufb/error.h"
#include "io/safetensors.h"

namespace ufb::io {
namespace {

using nlohmann::json;

// The format's reference implementation refuses larger headers; so do we, before parsing.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr std::string_view kMetadataKey = "__metadata__";

class HeaderParser {
 public:
  HeaderParser(std::span<const std::byte> image, const std::string& source)
      : image_(image), source_(source) {}

  void parse(std::vector<RawTensor>& tensors, std::map<std::string, std::string>& metadata) {
    const std::string_view header = header_text();
    const json root = parse_json(header);
    if (!root.is_object()) fail("header is not a JSON object");
    const std::span<const std::byte> data = image_.subspan(8 + header.size());

    struct Placed {
      RawTensor tensor;
      std::uint64_t begin;
      std::uint64_t end;
    };
    std::vector<Placed> placed;
    for (const auto& [name, entry] : root.items()) {
      if (name == kMetadataKey) {
        read_metadata(entry, metadata);
        continue;
      }
      Placed item{RawTensor{name, read_dtype(name, entry), read_shape(name, entry), {}}, 0, 0};
      read_offsets(item.tensor, entry, data.size(), item.begin, item.end);
      placed.push_back(std::move(item));
    }
    std::stable_sort(placed.begin(), placed.end(),
                     [](const Placed& a, const Placed& b) { return a.begin < b.begin; });

    std::uint64_t expected_begin = 0;
    std::string previous_name;
    for (Placed& item : placed) {
      if (item.begin < expected_begin) {
        fail("tensor " + printable(item.tensor.name) + " (bytes " + std::to_string(item.begin) +
             ".." + std::to_string(item.end) + ") overlaps tensor " + printable(previous_name));
      }
      if (item.begin > expected_begin) {
        fail("tensor " + printable(item.tensor.name) + " starts at data byte " +
             std::to_string(item.begin) + ", expected " + std::to_string(expected_begin) +
             " (tensors must follow each other without gaps)");
      }
      expected_begin = item.end;
      previous_name = item.tensor.name;
      item.tensor.bytes = data.subspan(item.begin, item.end - item.begin);
      tensors.push_back(std::move(item.tensor));
    }
    if (expected_begin != data.size()) {
      fail("data section is " + std::to_string(data.size()) + " bytes but its tensors end at " +
           std::to_string(expected_begin));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw Error(source_ + ": " + what); }

  std::string_view header_text() const {
    if (image_.size() < 8) {
      fail("file is " + std::to_string(image_.size()) +
           " bytes, too short for the 8-byte header length");
    }
    std::uint64_t header_bytes = 0;
    for (int i = 7; i >= 0; --i) {
      header_bytes = (header_bytes << 8) | std::to_integer<std::uint64_t>(image_[i]);
    }
    if (header_bytes > image_.size() - 8) {
      fail("header length " + std::to_string(header_bytes) + " exceeds the " +
           std::to_string(image_.size() - 8) + " bytes after the length field");
    }
    if (header_bytes > kMaxHeaderBytes) {
      fail("header length " + std::to_string(header_bytes) + " exceeds the limit of " +
           std::to_string(kMaxHeaderBytes) + " bytes");
    }
    return {reinterpret_cast<const char*>(image_.data()) + 8,
            static_cast<std::size_t>(header_bytes)};
  }

  json parse_json(std::string_view header) const {
    // Duplicate names would let one tensor's entry silently replace another's.
    std::set<std::string> top_level_keys;
    std::string duplicate;
    const json::parser_callback_t reject_duplicates = [&](int depth, json::parse_event_t event,
                                                          json& parsed) {
      if (event == json::parse_event_t::key && depth == 1 &&
          !top_level_keys.insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
      return true;
    };
    json root;
    try {
      root = json::parse(header.begin(), header.end(), reject_duplicates);
    } catch (const json::exception& error) {
      fail(std::string("invalid JSON header: ") + error.what());
    }
    if (!duplicate.empty()) fail("header names tensor " + printable(duplicate) + " twice");
    return root;
  }

  const json& field(const std::string& name, const json& entry, const char* key) const {
    if (!entry.is_object()) fail("header entry " + printable(name) + " is not a JSON object");
    const auto found = entry.find(key);
    if (found == entry.end()) {
      fail("tensor " + printable(name) + " has no \"" + key + "\" in the header");
    }
    return *found;
  }

  DType read_dtype(const std::string& name, const json& entry) const {
    const json& value = field(name, entry, "dtype");
    if (!value.is_string()) fail("tensor " + printable(name) + " has a non-string dtype");
    const auto dtype = parse_dtype(value.get<std::string>());
    if (!dtype) {
      fail("tensor " + printable(name) + " has dtype \"" + printable(value.get<std::string>()) +
           "\", which is not supported (expected F32, F16 or BF16)");
    }
    return *dtype;
  }

  std::vector<std::int64_t> read_shape(const std::string& name, const json& entry) const {
    const json& value = field(name, entry, "shape");
    if (!value.is_array()) fail("tensor " + printable(name) + " has a shape that is not a list");
    std::vector<std::int64_t> shape;
    for (const json& dim : value) {
      if (!dim.is_number_unsigned() ||
          dim.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)) {
        fail("tensor " + printable(name) + " has shape " + printable(value.dump()) +
             ", expected non-negative integers");
      }
      shape.push_back(dim.get<std::int64_t>());
    }
    return shape;
  }

  void read_offsets(const RawTensor& tensor, const json& entry, std::uint64_t data_bytes,
                    std::uint64_t& begin, std::uint64_t& end) const {
    const std::string& name = tensor.name;
    const json& value = field(name, entry, "data_offsets");
    if (!value.is_array() || value.size() != 2 || !value[0].is_number_unsigned() ||
        !value[1].is_number_unsigned()) {
      fail("tensor " + printable(name) + " has data_offsets " + printable(value.dump()) +
           ", expected [begin, end] as non-negative integers");
    }
    begin = value[0].get<std::uint64_t>();
    end = value[1].get<std::uint64_t>();
    if (begin > end || end > data_bytes) {
      fail("tensor " + printable(name) + " has data_offsets [" + std::to_string(begin) + "," +
           std::to_string(end) + "] outside the " + std::to_string(data_bytes) +
           "-byte data section");
    }
    const std::size_t element_bytes = dtype_size_bytes(tensor.dtype);
    const std::uint64_t count =
        checked_element_count(tensor.shape, element_bytes, source_ + ": tensor " + printable(name));
    if (end - begin != count * element_bytes) {
      fail("tensor " + printable(name) + " has " + std::to_string(end - begin) +
           " bytes of data, but shape " + format_shape(tensor.shape) + " of " +
           std::string(dtype_name(tensor.dtype)) + " needs " +
           std::to_string(count * element_bytes));
    }
  }

  void read_metadata(const json& entry, std::map<std::string, std::string>& metadata) const {
    if (!entry.is_object()) fail("__metadata__ is not a JSON object");
    for (const auto& [key, value] : entry.items()) {
      if (!value.is_string()) {
        fail("__metadata__ entry " + printable(key) + " is not a string");
      }
      metadata[key] = value.get<std::string>();
    }
  }

  std::span<const std::byte> image_;
  const std::string& source_;
};

}  // namespace

SafetensorsContents parse_safetensors(std::span<const std::byte> image,
                                      const std::string& source_name) {
  SafetensorsContents contents;
  HeaderParser(image, source_name).parse(contents.tensors, contents.metadata);
  return contents;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : source_name_(path.string()), file_(path) {
  SafetensorsContents contents = parse_safetensors(file_.bytes(), source_name_);
  tensors_ = std::move(contents.tensors);
  metadata_ = std::move(contents.metadata);
}

SafetensorsImage::SafetensorsImage(std::span<const std::byte> image, std::string source_name)
    : source_name_(std::move(source_name)), contents_(parse_safetensors(image, source_name_)) {}

}  // namespace ufb::io

#pragma once

// Typed access to the fields of a tokenizer.json with errors that name the file and the key
// path ("tokenizer.json: normalizer.normalizers[2].type: ...").

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ufb::tokenizer::json_fields {

using nlohmann::json;

class Where {
 public:
  Where(std::string_view source, std::string path) : source_(source), path_(std::move(path)) {}

  Where key(std::string_view name) const {
    return Where(source_, path_.empty() ? std::string(name) : path_ + "." + std::string(name));
  }
  Where index(size_t i) const { return Where(source_, path_ + "[" + std::to_string(i) + "]"); }
  // Throws ufb::Error "<source>: <path>: <problem>".
  [[noreturn]] void fail(std::string_view problem) const;

 private:
  std::string source_;
  std::string path_;
};

// The member `name` of `object`; fails when `object` is no object or lacks it (or it is null).
const json& required(const json& object, std::string_view name, const Where& where);
// The member, or nullptr when it is missing or null.
const json* optional(const json& object, std::string_view name, const Where& where);

const json& array_at(const json& value, const Where& where);
std::string string_at(const json& value, const Where& where);
bool bool_at(const json& value, const Where& where);
// A non-negative integer.
size_t size_at(const json& value, const Where& where);
// A token id: an integer in [0, 2^31).
int32_t id_at(const json& value, const Where& where);

std::string required_string(const json& object, std::string_view name, const Where& where);
std::string string_or(const json& object, std::string_view name, std::string fallback,
                      const Where& where);
bool bool_or(const json& object, std::string_view name, bool fallback, const Where& where);
size_t size_or(const json& object, std::string_view name, size_t fallback, const Where& where);

}  // namespace ufb::tokenizer::json_fields

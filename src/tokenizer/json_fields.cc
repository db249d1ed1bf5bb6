#include "tokenizer/json_fields.h"

#include <limits>

#include "ufb/error.h"

namespace ufb::tokenizer::json_fields {
namespace {

std::string type_name(const json& value) { return value.type_name(); }

}  // namespace

void Where::fail(std::string_view problem) const {
  throw Error(source_ + ": " + (path_.empty() ? std::string("top level") : path_) + ": " +
              std::string(problem));
}

const json& required(const json& object, std::string_view name, const Where& where) {
  const json* member = optional(object, name, where);
  if (member == nullptr) where.key(name).fail("missing (expected this key)");
  return *member;
}

const json* optional(const json& object, std::string_view name, const Where& where) {
  if (!object.is_object()) where.fail("is a " + type_name(object) + " (expected an object)");
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

const json& array_at(const json& value, const Where& where) {
  if (!value.is_array()) where.fail("is a " + type_name(value) + " (expected an array)");
  return value;
}

std::string string_at(const json& value, const Where& where) {
  if (!value.is_string()) where.fail("is a " + type_name(value) + " (expected a string)");
  return value.get<std::string>();
}

bool bool_at(const json& value, const Where& where) {
  if (!value.is_boolean()) where.fail("is a " + type_name(value) + " (expected true or false)");
  return value.get<bool>();
}

size_t size_at(const json& value, const Where& where) {
  if (!value.is_number_unsigned()) {
    where.fail(value.dump() + " (expected a non-negative integer)");
  }
  return value.get<size_t>();
}

int32_t id_at(const json& value, const Where& where) {
  if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
      value.get<int64_t>() > std::numeric_limits<int32_t>::max()) {
    where.fail(value.dump() + " (expected a token id, an integer in [0, 2^31))");
  }
  return static_cast<int32_t>(value.get<int64_t>());
}

std::string required_string(const json& object, std::string_view name, const Where& where) {
  return string_at(required(object, name, where), where.key(name));
}

std::string string_or(const json& object, std::string_view name, std::string fallback,
                      const Where& where) {
  const json* member = optional(object, name, where);
  return member == nullptr ? fallback : string_at(*member, where.key(name));
}

bool bool_or(const json& object, std::string_view name, bool fallback, const Where& where) {
  const json* member = optional(object, name, where);
  return member == nullptr ? fallback : bool_at(*member, where.key(name));
}

size_t size_or(const json& object, std::string_view name, size_t fallback, const Where& where) {
  const json* member = optional(object, name, where);
  return member == nullptr ? fallback : size_at(*member, where.key(name));
}

}  // namespace ufb::tokenizer::json_fields

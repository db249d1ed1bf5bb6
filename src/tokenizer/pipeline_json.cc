#include "tokenizer/pipeline_json.h"

#include <string>
#include <utility>
#include <vector>

#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

using json_fields::json;
using json_fields::Where;

// Parses every element of the array `object[name]` with `parse` (a Sequence's members).
template <typename Parse>
auto parse_members(const json& object, std::string_view name, const Where& where, Parse parse) {
  const Where array_where = where.key(name);
  const json& array =
      json_fields::array_at(json_fields::required(object, name, where), array_where);
  std::vector<decltype(parse(array, array_where))> members;
  for (size_t i = 0; i < array.size(); ++i)
    members.push_back(parse(array[i], array_where.index(i)));
  return members;
}

std::unique_ptr<Normalizer> parse_replace(const json& object, const Where& where) {
  const json& pattern = json_fields::required(object, "pattern", where);
  const Where pattern_where = where.key("pattern");
  std::string content = json_fields::required_string(object, "content", where);
  if (const json* text = json_fields::optional(pattern, "String", pattern_where)) {
    return make_replace_string(json_fields::string_at(*text, pattern_where.key("String")),
                               std::move(content));
  }
  if (const json* regex = json_fields::optional(pattern, "Regex", pattern_where)) {
    const Where regex_where = pattern_where.key("Regex");
    const std::string source = json_fields::string_at(*regex, regex_where);
    try {
      return make_replace_regex(source, std::move(content));
    } catch (const Error& error) {
      regex_where.fail(error.what());
    }
  }
  pattern_where.fail(
      "has neither String nor Regex (expected {\"String\": ...} or {\"Regex\": ...})");
}

SplitBehavior parse_behavior(const json& object, const Where& where) {
  const std::string name = json_fields::string_or(object, "behavior", "Isolated", where);
  if (name == "Removed") return SplitBehavior::kRemoved;
  if (name == "Isolated") return SplitBehavior::kIsolated;
  if (name == "MergedWithPrevious") return SplitBehavior::kMergedWithPrevious;
  if (name == "MergedWithNext") return SplitBehavior::kMergedWithNext;
  if (name == "Contiguous") return SplitBehavior::kContiguous;
  where.key("behavior")
      .fail("unknown split behavior \"" + name +
            "\" (expected Removed, Isolated, MergedWithPrevious, "
            "MergedWithNext or Contiguous)");
}

}  // namespace

std::unique_ptr<Normalizer> parse_normalizer(const json& object, const Where& where) {
  const std::string type = json_fields::required_string(object, "type", where);
  if (type == "BertNormalizer") {
    BertNormalizerOptions options;
    options.clean_text = json_fields::bool_or(object, "clean_text", true, where);
    options.handle_chinese_chars =
        json_fields::bool_or(object, "handle_chinese_chars", true, where);
    if (const json* strip = json_fields::optional(object, "strip_accents", where)) {
      options.strip_accents = json_fields::bool_at(*strip, where.key("strip_accents"));
    }
    options.lowercase = json_fields::bool_or(object, "lowercase", true, where);
    return make_bert_normalizer(options);
  }
  if (type == "Sequence") {
    return make_normalizer_sequence(parse_members(object, "normalizers", where, parse_normalizer));
  }
  if (type == "Replace") return parse_replace(object, where);
  if (type == "NFD") return make_unicode_normalizer(NormalForm::kNFD);
  if (type == "NFC") return make_unicode_normalizer(NormalForm::kNFC);
  if (type == "NFKD") return make_unicode_normalizer(NormalForm::kNFKD);
  if (type == "NFKC") return make_unicode_normalizer(NormalForm::kNFKC);
  if (type == "Lowercase") return make_lowercase();
  if (type == "StripAccents") return make_strip_accents();
  if (type == "Strip") {
    return make_strip(json_fields::bool_or(object, "strip_left", true, where),
                      json_fields::bool_or(object, "strip_right", true, where));
  }
  if (type == "Prepend")
    return make_prepend(json_fields::required_string(object, "prepend", where));
  where.key("type").fail("unknown normalizer type \"" + type +
                         "\" (expected BertNormalizer, Sequence, Replace, NFD, NFC, NFKD, NFKC, "
                         "Lowercase, StripAccents, Strip or Prepend)");
}

std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const json& object, const Where& where) {
  const std::string type = json_fields::required_string(object, "type", where);
  if (type == "BertPreTokenizer") return make_bert_pre_tokenizer();
  if (type == "Whitespace") return make_whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (type == "Punctuation") return make_punctuation_pre_tokenizer(parse_behavior(object, where));
  if (type == "Sequence") {
    return make_pre_tokenizer_sequence(
        parse_members(object, "pretokenizers", where, parse_pre_tokenizer));
  }
  where.key("type").fail("unknown pre-tokenizer type \"" + type +
                         "\" (expected BertPreTokenizer, Whitespace, WhitespaceSplit, "
                         "Punctuation or Sequence)");
}

}  // namespace ufb::tokenizer

#include "tokenizer/tokenizer_json.h"

#include <string>
#include <utility>
#include <vector>

#include "tokenizer/json_fields.h"
#include "tokenizer/pipeline_json.h"
#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

using json_fields::json;
using json_fields::Where;

WordPiece parse_model(const json& object, const Where& where, std::string_view source) {
  // Older files leave out the type; tokenizers then recognises WordPiece by its own keys.
  const bool looks_like_wordpiece =
      object.is_object() &&
      (object.contains("continuing_subword_prefix") || object.contains("max_input_chars_per_word"));
  const std::string type = looks_like_wordpiece
                               ? json_fields::string_or(object, "type", "WordPiece", where)
                               : json_fields::required_string(object, "type", where);
  if (type != "WordPiece") {
    where.key("type").fail("unsupported model type \"" + type + "\" (expected WordPiece)");
  }
  WordPieceOptions options;
  options.unk_token = json_fields::string_or(object, "unk_token", options.unk_token, where);
  options.continuing_subword_prefix = json_fields::string_or(
      object, "continuing_subword_prefix", options.continuing_subword_prefix, where);
  options.max_input_chars_per_word = json_fields::size_or(object, "max_input_chars_per_word",
                                                          options.max_input_chars_per_word, where);

  const json& vocab_object = json_fields::required(object, "vocab", where);
  const Where vocab_where = where.key("vocab");
  if (!vocab_object.is_object() || vocab_object.empty()) {
    vocab_where.fail("is " + vocab_object.dump().substr(0, 40) +
                     " (expected a non-empty object mapping tokens to ids)");
  }
  std::vector<std::pair<std::string, int32_t>> vocab;
  vocab.reserve(vocab_object.size());
  for (const auto& [token, id] : vocab_object.items()) {
    vocab.emplace_back(token, json_fields::id_at(id, vocab_where.key(token)));
  }
  return WordPiece(std::move(vocab), std::move(options), std::string(source) + ": model.vocab");
}

std::vector<AddedToken> parse_added_tokens(const json& value, const Where& where) {
  const json& array = json_fields::array_at(value, where);
  std::vector<AddedToken> tokens;
  for (size_t i = 0; i < array.size(); ++i) {
    const Where item = where.index(i);
    const json& object = array[i];
    AddedToken token;
    token.id = json_fields::id_at(json_fields::required(object, "id", item), item.key("id"));
    token.content = json_fields::required_string(object, "content", item);
    token.single_word = json_fields::bool_or(object, "single_word", false, item);
    token.lstrip = json_fields::bool_or(object, "lstrip", false, item);
    token.rstrip = json_fields::bool_or(object, "rstrip", false, item);
    token.normalized = json_fields::bool_or(object, "normalized", true, item);
    token.special = json_fields::bool_or(object, "special", false, item);
    tokens.push_back(std::move(token));
  }
  return tokens;
}

std::vector<TemplatePiece> parse_template(const json& value, const Where& where) {
  const json& array = json_fields::array_at(value, where);
  std::vector<TemplatePiece> pieces;
  for (size_t i = 0; i < array.size(); ++i) {
    const Where item = where.index(i);
    TemplatePiece piece;
    if (const json* sequence = json_fields::optional(array[i], "Sequence", item)) {
      const Where at = item.key("Sequence");
      const std::string id = json_fields::required_string(*sequence, "id", at);
      if (id != "A" && id != "B") at.key("id").fail("is \"" + id + "\" (expected A or B)");
      piece.kind = id == "A" ? TemplatePiece::Kind::kSequenceA : TemplatePiece::Kind::kSequenceB;
      piece.type_id =
          json_fields::id_at(json_fields::required(*sequence, "type_id", at), at.key("type_id"));
    } else if (const json* special = json_fields::optional(array[i], "SpecialToken", item)) {
      const Where at = item.key("SpecialToken");
      piece.kind = TemplatePiece::Kind::kSpecialToken;
      piece.special_token = json_fields::required_string(*special, "id", at);
      piece.type_id =
          json_fields::id_at(json_fields::required(*special, "type_id", at), at.key("type_id"));
    } else {
      item.fail("has neither Sequence nor SpecialToken (expected one of them)");
    }
    pieces.push_back(std::move(piece));
  }
  return pieces;
}

PostProcessor parse_template_processing(const json& object, const Where& where,
                                        std::string_view source) {
  std::vector<TemplateSpecialToken> special_tokens;
  const json& specials = json_fields::required(object, "special_tokens", where);
  const Where specials_where = where.key("special_tokens");
  if (!specials.is_object())
    specials_where.fail("is not an object (expected name -> {ids, tokens})");
  for (const auto& [name, value] : specials.items()) {
    const Where at = specials_where.key(name);
    TemplateSpecialToken token;
    token.name = json_fields::required_string(value, "id", at);
    const json& ids = json_fields::required(value, "ids", at);
    const json& tokens = json_fields::required(value, "tokens", at);
    if (!ids.is_array() || !tokens.is_array()) at.fail("ids and tokens must be arrays");
    for (size_t i = 0; i < ids.size(); ++i)
      token.ids.push_back(json_fields::id_at(ids[i], at.key("ids").index(i)));
    for (size_t i = 0; i < tokens.size(); ++i)
      token.tokens.push_back(json_fields::string_at(tokens[i], at.key("tokens").index(i)));
    special_tokens.push_back(std::move(token));
  }
  return PostProcessor(
      parse_template(json_fields::required(object, "single", where), where.key("single")),
      parse_template(json_fields::required(object, "pair", where), where.key("pair")),
      std::move(special_tokens), std::string(source) + ": " + "post_processor");
}

PostProcessor parse_post_processor(const json& object, const Where& where,
                                   std::string_view source) {
  const std::string type = json_fields::required_string(object, "type", where);
  if (type == "TemplateProcessing") return parse_template_processing(object, where, source);
  if (type == "BertProcessing") {
    const auto token_and_id = [&](std::string_view name) {
      const json& pair = json_fields::required(object, name, where);
      const Where at = where.key(name);
      if (!pair.is_array() || pair.size() != 2)
        at.fail("is " + pair.dump() + " (expected [token, id])");
      return std::make_pair(json_fields::string_at(pair[0], at.index(0)),
                            json_fields::id_at(pair[1], at.index(1)));
    };
    const auto [cls, cls_id] = token_and_id("cls");
    const auto [sep, sep_id] = token_and_id("sep");
    return PostProcessor::bert(cls, cls_id, sep, sep_id);
  }
  where.key("type").fail("unsupported post-processor type \"" + type +
                         "\" (expected TemplateProcessing or BertProcessing)");
}

Side parse_side(const json& object, const Where& where) {
  const std::string name = json_fields::string_or(object, "direction", "Right", where);
  if (name == "Right") return Side::kRight;
  if (name == "Left") return Side::kLeft;
  where.key("direction").fail("is \"" + name + "\" (expected Left or Right)");
}

TruncationOptions parse_truncation(const json& object, const Where& where) {
  TruncationOptions options;
  options.max_length = json_fields::size_at(json_fields::required(object, "max_length", where),
                                            where.key("max_length"));
  const std::string strategy = json_fields::string_or(object, "strategy", "LongestFirst", where);
  if (strategy == "LongestFirst") {
    options.strategy = TruncationStrategy::kLongestFirst;
  } else if (strategy == "OnlyFirst") {
    options.strategy = TruncationStrategy::kOnlyFirst;
  } else if (strategy == "OnlySecond") {
    options.strategy = TruncationStrategy::kOnlySecond;
  } else {
    where.key("strategy")
        .fail("is \"" + strategy + "\" (expected LongestFirst, OnlyFirst or OnlySecond)");
  }
  options.direction = parse_side(object, where);
  return options;
}

PaddingOptions parse_padding(const json& object, const Where& where) {
  PaddingOptions options;
  const json& strategy = json_fields::required(object, "strategy", where);
  const Where strategy_where = where.key("strategy");
  if (strategy.is_object()) {
    options.length = json_fields::size_at(json_fields::required(strategy, "Fixed", strategy_where),
                                          strategy_where.key("Fixed"));
  } else if (strategy != "BatchLongest") {
    strategy_where.fail("is " + strategy.dump() + " (expected \"BatchLongest\" or {\"Fixed\": n})");
  }
  options.direction = parse_side(object, where);
  options.pad_to_multiple_of = json_fields::size_or(object, "pad_to_multiple_of", 0, where);
  if (const json* id = json_fields::optional(object, "pad_id", where))
    options.pad_id = json_fields::id_at(*id, where.key("pad_id"));
  if (const json* id = json_fields::optional(object, "pad_type_id", where)) {
    options.pad_type_id = json_fields::id_at(*id, where.key("pad_type_id"));
  }
  options.pad_token = json_fields::string_or(object, "pad_token", options.pad_token, where);
  return options;
}

}  // namespace

TokenizerParts parse_tokenizer_json(std::string_view text, std::string_view source) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& error) {  // parse_error, and out_of_range for 1e400
    throw Error(std::string(source) + ": invalid JSON (" + error.what() + ")");
  }
  const Where top(source, "");
  if (!root.is_object())
    top.fail("is a " + std::string(root.type_name()) + " (expected a tokenizer object)");

  TokenizerParts parts;
  parts.model = parse_model(json_fields::required(root, "model", top), top.key("model"), source);
  if (const json* normalizer = json_fields::optional(root, "normalizer", top)) {
    parts.normalizer = parse_normalizer(*normalizer, top.key("normalizer"));
  }
  if (const json* pre_tokenizer = json_fields::optional(root, "pre_tokenizer", top)) {
    parts.pre_tokenizer = parse_pre_tokenizer(*pre_tokenizer, top.key("pre_tokenizer"));
  }
  if (const json* added = json_fields::optional(root, "added_tokens", top)) {
    parts.added_tokens = parse_added_tokens(*added, top.key("added_tokens"));
  }
  if (const json* post = json_fields::optional(root, "post_processor", top)) {
    parts.post_processor = parse_post_processor(*post, top.key("post_processor"), source);
  }
  if (const json* truncation = json_fields::optional(root, "truncation", top)) {
    parts.truncation = parse_truncation(*truncation, top.key("truncation"));
  }
  if (const json* padding = json_fields::optional(root, "padding", top)) {
    parts.padding = parse_padding(*padding, top.key("padding"));
  }
  return parts;
}

}  // namespace ufb::tokenizer

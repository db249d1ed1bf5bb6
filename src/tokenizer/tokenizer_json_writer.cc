#include "ufb/tokenizer/tokenizer_json_writer.h"

#include <nlohmann/json.hpp>
#include <unordered_map>

#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

using nlohmann::ordered_json;

int64_t id_of(const std::unordered_map<std::string, int64_t>& ids, const std::string& token, const char* role) {
  const auto found = ids.find(token);
  if (found == ids.end()) throw Error(std::string(role) + " '" + token + "' is not in the vocabulary");
  return found->second;
}

ordered_json piece(const char* kind, const std::string& id, int type_id) {
  return {{kind, {{"id", id}, {"type_id", type_id}}}};
}

ordered_json template_processing(const BertTokenizerDescription& description,
                                 const std::unordered_map<std::string, int64_t>& ids) {
  const std::string& cls = description.cls_token;
  const std::string& sep = description.sep_token;
  ordered_json special_tokens = ordered_json::object();
  for (const std::string& token : {cls, sep}) {
    special_tokens[token] = {{"id", token}, {"ids", {id_of(ids, token, "the template token")}}, {"tokens", {token}}};
  }
  return {{"type", "TemplateProcessing"},
          {"single", {piece("SpecialToken", cls, 0), piece("Sequence", "A", 0), piece("SpecialToken", sep, 0)}},
          {"pair",
           {piece("SpecialToken", cls, 0), piece("Sequence", "A", 0), piece("SpecialToken", sep, 0),
            piece("Sequence", "B", 1), piece("SpecialToken", sep, 1)}},
          {"special_tokens", special_tokens}};
}

ordered_json normalizer(const BertNormalizerOptions& options) {
  ordered_json strip_accents = nullptr;
  if (options.strip_accents) strip_accents = *options.strip_accents;
  return {{"type", "BertNormalizer"},
          {"clean_text", options.clean_text},
          {"handle_chinese_chars", options.handle_chinese_chars},
          {"strip_accents", strip_accents},
          {"lowercase", options.lowercase}};
}

}  // namespace

std::string bert_tokenizer_json(const BertTokenizerDescription& description) {
  std::unordered_map<std::string, int64_t> ids;
  ordered_json vocab = ordered_json::object();
  for (size_t id = 0; id < description.vocabulary.size(); ++id) {
    const std::string& token = description.vocabulary[id];
    if (!ids.emplace(token, static_cast<int64_t>(id)).second) {
      throw Error("the vocabulary repeats the token '" + token + "'");
    }
    vocab[token] = id;
  }
  ordered_json added_tokens = ordered_json::array();
  for (const std::string& token : description.special_tokens) {
    added_tokens.push_back({{"id", id_of(ids, token, "the special token")},
                            {"content", token},
                            {"single_word", false},
                            {"lstrip", false},
                            {"rstrip", false},
                            {"normalized", false},
                            {"special", true}});
  }
  id_of(ids, description.unk_token, "the unknown token");
  const ordered_json json = {
      {"version", "1.0"},
      {"truncation", nullptr},
      {"padding", nullptr},
      {"added_tokens", added_tokens},
      {"normalizer", normalizer(description.normalizer)},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor", template_processing(description, ids)},
      {"decoder", {{"type", "WordPiece"}, {"prefix", description.continuing_subword_prefix}, {"cleanup", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", description.unk_token},
        {"continuing_subword_prefix", description.continuing_subword_prefix},
        {"max_input_chars_per_word", description.max_input_chars_per_word},
        {"vocab", vocab}}}};
  return json.dump(2) + "\n";
}

}  // namespace ufb::tokenizer

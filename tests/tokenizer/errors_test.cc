// Bad input: invalid UTF-8, malformed tokenizer files. Each test asserts the message.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::tokenizer {
namespace {

using nlohmann::json;

json small_tokenizer() {
  return json::parse(R"({
    "version": "1.0",
    "added_tokens": [
      {"id": 0, "content": "[UNK]", "special": true, "normalized": false},
      {"id": 1, "content": "[CLS]", "special": true, "normalized": false},
      {"id": 2, "content": "[SEP]", "special": true, "normalized": false}],
    "normalizer": {"type": "Lowercase"},
    "pre_tokenizer": {"type": "BertPreTokenizer"},
    "post_processor": {"type": "BertProcessing", "sep": ["[SEP]", 2], "cls": ["[CLS]", 1]},
    "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
              "max_input_chars_per_word": 100,
              "vocab": {"[UNK]": 0, "[CLS]": 1, "[SEP]": 2, "hello": 3, "world": 4}}
  })");
}

Tokenizer load(const json& object) { return Tokenizer::from_json(object.dump(), "test.json"); }

TEST(InvalidUtf8Test, NamesTheByteOffset) {
  const Tokenizer tokenizer = load(small_tokenizer());
  EXPECT_ERROR_CONTAINS(tokenizer.encode("ab\xff"
                                         "cd"),
                        "tokenizer input: invalid UTF-8 at byte offset 2");
  EXPECT_ERROR_CONTAINS(tokenizer.encode("hello\xe2\x82"), "at byte offset 5");     // truncated
  EXPECT_ERROR_CONTAINS(tokenizer.encode("\xc0\xaf"), "at byte offset 0");          // overlong
  EXPECT_ERROR_CONTAINS(tokenizer.encode("a\xed\xa0\x80"), "at byte offset 1");     // surrogate
  EXPECT_ERROR_CONTAINS(tokenizer.encode("hé\x80"), "at byte offset 3");            // stray byte
  EXPECT_ERROR_CONTAINS(tokenizer.encode("\xf4\x90\x80\x80"), "at byte offset 0");  // > U+10FFFF
}

TEST(InvalidUtf8Test, NamesWhichTextOfAPair) {
  const Tokenizer tokenizer = load(small_tokenizer());
  EXPECT_ERROR_CONTAINS(tokenizer.encode_pair("hello", "wor\xffld"),
                        "tokenizer input (second text): invalid UTF-8 at byte offset 3");
  EXPECT_ERROR_CONTAINS(tokenizer.encode_pair("\x80", "world"),
                        "tokenizer input (first text): invalid UTF-8 at byte offset 0");
}

TEST(InvalidUtf8Test, AcceptsEveryValidSequenceLength) {
  const Tokenizer tokenizer = load(small_tokenizer());
  EXPECT_EQ(tokenizer.encode("hello \u00e9\u4e16\U0001F600").ids,
            (std::vector<int32_t>{1, 3, 0, 2}));
}

TEST(TokenizerJsonTest, RejectsMalformedJson) {
  EXPECT_ERROR_CONTAINS(Tokenizer::from_json("{\"model\": ", "broken.json"),
                        "broken.json: invalid JSON");
  EXPECT_ERROR_CONTAINS(Tokenizer::from_json("[1, 2]", "list.json"),
                        "list.json: top level: is a array (expected a tokenizer object)");
}

// Found by fuzz/tokenizer_json_fuzzer: the JSON parser reports a number too large for a double
// as out_of_range, not as a parse error, and that escaped as a foreign exception.
TEST(TokenizerJsonTest, RejectsANumberTooLargeForADouble) {
  EXPECT_EQ(error_of([] { Tokenizer::from_json(R"({"added_tokens": [{"id": 1e4003}]})", "t"); }),
            "t: invalid JSON ([json.exception.out_of_range.406] number overflow parsing "
            "'1e4003')");
}

TEST(TokenizerJsonTest, NamesAnUnknownNormalizerType) {
  json object = small_tokenizer();
  object["normalizer"] = json::parse(
      R"({"type": "Sequence", "normalizers": [{"type": "NFD"}, {"type": "Unidecode"}]})");
  EXPECT_ERROR_CONTAINS(
      load(object),
      "test.json: normalizer.normalizers[1].type: unknown normalizer type \"Unidecode\" "
      "(expected BertNormalizer");
}

TEST(TokenizerJsonTest, NamesAnUnknownPreTokenizerOrModelType) {
  json object = small_tokenizer();
  object["pre_tokenizer"] = {{"type", "ByteLevel"}};
  EXPECT_ERROR_CONTAINS(load(object),
                        "test.json: pre_tokenizer.type: unknown pre-tokenizer type \"ByteLevel\"");
  object = small_tokenizer();
  object["model"]["type"] = "BPE";
  EXPECT_ERROR_CONTAINS(
      load(object), "test.json: model.type: unsupported model type \"BPE\" (expected WordPiece)");
  object = small_tokenizer();
  object["post_processor"] = {{"type", "RobertaProcessing"}};
  EXPECT_ERROR_CONTAINS(
      load(object), "post_processor.type: unsupported post-processor type \"RobertaProcessing\"");
}

TEST(TokenizerJsonTest, NamesAMissingVocabOrModel) {
  json object = small_tokenizer();
  object["model"].erase("vocab");
  EXPECT_ERROR_CONTAINS(load(object), "test.json: model.vocab: missing (expected this key)");
  object.erase("model");
  EXPECT_ERROR_CONTAINS(load(object), "test.json: model: missing (expected this key)");
  object = small_tokenizer();
  object["model"]["vocab"] = json::object();
  EXPECT_ERROR_CONTAINS(load(object), "test.json: model.vocab: is {} (expected a non-empty object");
}

TEST(TokenizerJsonTest, NamesBadVocabEntries) {
  json object = small_tokenizer();
  object["model"]["vocab"]["bad"] = -4;
  EXPECT_ERROR_CONTAINS(load(object), "test.json: model.vocab.bad: -4 (expected a token id");
  object = small_tokenizer();
  object["model"]["vocab"]["twin"] = 3;
  EXPECT_ERROR_CONTAINS(load(object), "share id 3 (expected distinct ids)");
  object = small_tokenizer();
  object["model"]["unk_token"] = "<unk>";
  EXPECT_ERROR_CONTAINS(load(object),
                        "test.json: model.vocab: unk_token \"<unk>\" is not in the vocabulary");
}

TEST(TokenizerJsonTest, NamesFieldsOfTheWrongType) {
  json object = small_tokenizer();
  object["normalizer"] = {{"type", "BertNormalizer"}, {"lowercase", "yes"}};
  EXPECT_ERROR_CONTAINS(load(object),
                        "test.json: normalizer.lowercase: is a string (expected true or false)");
  object = small_tokenizer();
  object["added_tokens"][1].erase("content");
  EXPECT_ERROR_CONTAINS(load(object), "test.json: added_tokens[1].content: missing");
  object = small_tokenizer();
  object["normalizer"] = {{"type", "Replace"}, {"pattern", {{"Regex", "(["}}}, {"content", ""}};
  EXPECT_ERROR_CONTAINS(load(object),
                        "test.json: normalizer.pattern.Regex: regex \"([\" does not compile");
  object = small_tokenizer();
  object["pre_tokenizer"] = {{"type", "Punctuation"}, {"behavior", "Sideways"}};
  EXPECT_ERROR_CONTAINS(load(object),
                        "pre_tokenizer.behavior: unknown split behavior \"Sideways\"");
}

TEST(TokenizerJsonTest, NamesAnUndefinedTemplateToken) {
  json object = small_tokenizer();
  object["post_processor"] = json::parse(R"({"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
      "pair": [{"Sequence": {"id": "A", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}],
      "special_tokens": {}})");
  EXPECT_ERROR_CONTAINS(load(object),
                        "single template uses special token \"[BOS]\" (expected one defined");
}

TEST(TokenizerFileTest, NamesAMissingOrUnusableFile) {
  EXPECT_ERROR_CONTAINS(Tokenizer::from_file("/nonexistent/tokenizer.json"),
                        "/nonexistent/tokenizer.json: cannot open");
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / "ufb_tokenizer_empty_dir";
  std::filesystem::create_directories(dir);
  EXPECT_ERROR_CONTAINS(Tokenizer::from_file(dir),
                        "no tokenizer.json or vocab.txt in this directory");
  const std::filesystem::path vocab = dir / "vocab.txt";
  std::ofstream(vocab) << "[PAD]\n[UNK]\nhello\n";
  EXPECT_ERROR_CONTAINS(Tokenizer::from_file(dir), "[CLS] or [SEP] is not in the vocabulary");
  std::ofstream(vocab) << "[CLS]\n[SEP]\nhello\n";
  EXPECT_ERROR_CONTAINS(Tokenizer::from_file(vocab),
                        "unk_token \"[UNK]\" is not in the vocabulary");
  std::ofstream(vocab) << "[UNK]\n[CLS]\n[SEP]\nh\xc3\n";
  EXPECT_ERROR_CONTAINS(Tokenizer::from_file(vocab),
                        "vocab.txt line 4: invalid UTF-8 at byte offset 1");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ufb::tokenizer

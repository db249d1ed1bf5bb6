// Every Unicode scalar value through each normalizer and pre-tokenizer, against what Hugging Face
// tokenizers does (tools/make_unicode_tables.py stores a CRC-32 of its outputs per block of code
// points), and the characters of the issue that first showed our tables differing from its.

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "tokenizer/run_component.h"
#include "ufb/tokenizer/normalizer.h"
#include "ufb/tokenizer/pre_tokenizer.h"

namespace ufb::tokenizer {
namespace {

using nlohmann::json;
using Component = std::variant<std::unique_ptr<Normalizer>, std::unique_ptr<PreTokenizer>>;

std::string utf8(char32_t c) {
  std::string out;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += {static_cast<char>(0xC0 | (c >> 6)), static_cast<char>(0x80 | (c & 0x3F))};
  } else if (c < 0x10000) {
    out += {static_cast<char>(0xE0 | (c >> 12)), static_cast<char>(0x80 | ((c >> 6) & 0x3F)),
            static_cast<char>(0x80 | (c & 0x3F))};
  } else {
    out += {static_cast<char>(0xF0 | (c >> 18)), static_cast<char>(0x80 | ((c >> 12) & 0x3F)),
            static_cast<char>(0x80 | ((c >> 6) & 0x3F)), static_cast<char>(0x80 | (c & 0x3F))};
  }
  return out;
}

// zlib's CRC-32, continued from `crc` as Python's zlib.crc32(data, crc) does.
uint32_t crc32(std::string_view bytes, uint32_t crc) {
  static const auto table = [] {
    std::array<uint32_t, 256> entries{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t value = i;
      for (int bit = 0; bit < 8; ++bit) value = (value >> 1) ^ (value & 1 ? 0xEDB88320u : 0);
      entries[i] = value;
    }
    return entries;
  }();
  crc = ~crc;
  for (const char byte : bytes) crc = table[(crc ^ static_cast<uint8_t>(byte)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

// The components the script probes, by its names; BertNormalizer with one option on at a time.
Component component_named(const std::string& name) {
  BertNormalizerOptions bert{
      .clean_text = false, .handle_chinese_chars = false, .strip_accents = false,
      .lowercase = false};
  if (name == "BertNormalizer.clean_text") bert.clean_text = true;
  if (name == "BertNormalizer.handle_chinese_chars") bert.handle_chinese_chars = true;
  if (name == "BertNormalizer.strip_accents") bert.strip_accents = true;
  if (name == "BertNormalizer.lowercase") bert.lowercase = true;
  if (name.starts_with("BertNormalizer.")) return make_bert_normalizer(bert);
  if (name == "Lowercase") return make_lowercase();
  if (name == "StripAccents") return make_strip_accents();
  if (name == "Strip") return make_strip(true, true);
  if (name == "NFD") return make_unicode_normalizer(NormalForm::kNFD);
  if (name == "NFC") return make_unicode_normalizer(NormalForm::kNFC);
  if (name == "NFKD") return make_unicode_normalizer(NormalForm::kNFKD);
  if (name == "NFKC") return make_unicode_normalizer(NormalForm::kNFKC);
  if (name == "BertPreTokenizer") return make_bert_pre_tokenizer();
  if (name == "Whitespace") return make_whitespace_pre_tokenizer();
  if (name == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (name == "Punctuation") return make_punctuation_pre_tokenizer(SplitBehavior::kIsolated);
  throw std::invalid_argument("unicode_code_points.json names an unknown component " + name);
}

// The bytes the script hashes: the normalized text, or each word followed by 0xFF; then 0xFE.
std::string output_of(const Component& component, std::string text) {
  if (const auto* normalizer = std::get_if<std::unique_ptr<Normalizer>>(&component)) {
    return (*normalizer)->normalized(text) + '\xFE';
  }
  std::vector<std::string_view> words;
  std::get<std::unique_ptr<PreTokenizer>>(component)->split(text, words);
  std::string out;
  for (const std::string_view word : words) (out += word) += '\xFF';
  return out + '\xFE';
}

TEST(UnicodeCodePointsTest, EveryComponentTreatsEveryCodePointLikeHuggingFace) {
  std::ifstream file(std::filesystem::path(UFB_TEST_DATA_DIR) / "tokenizer" /
                     "unicode_code_points.json");
  ASSERT_TRUE(file) << "cannot open unicode_code_points.json";
  const json golden = json::parse(file);
  const char32_t block_size = golden["block_size"].get<char32_t>();
  for (const json& probe : golden["probes"]) {
    const std::string name = probe["name"].get<std::string>();
    const std::string prefix = probe["prefix"].get<std::string>();
    const std::string suffix = probe["suffix"].get<std::string>();
    SCOPED_TRACE(name + " of \"" + prefix + "\" + code point + \"" + suffix + "\"");
    const Component component = component_named(name);
    std::vector<uint32_t> digests((0x110000 + block_size - 1) / block_size, 0);
    for (char32_t c = 0; c < 0x110000; ++c) {
      if (c >= 0xD800 && c <= 0xDFFF) continue;  // surrogates are not text
      uint32_t& digest = digests[c / block_size];
      digest = crc32(output_of(component, prefix + utf8(c) + suffix), digest);
    }
    std::istringstream expected(probe["digests"].get<std::string>());
    std::string expected_digest;
    std::string differing;
    for (size_t block = 0; expected >> expected_digest; ++block) {
      if (block >= digests.size() || std::stoul(expected_digest, nullptr, 16) != digests[block]) {
        std::ostringstream range;
        range << std::hex << std::uppercase << " U+" << block * block_size << "..U+"
              << (block + 1) * block_size - 1;
        differing += range.str();
      }
    }
    EXPECT_EQ(differing, "") << "blocks whose outputs differ from tokenizers'";
  }
}

// U+0AFE and U+08DF are Mn in current Unicode but unassigned in the Unicode 8 tables of
// tokenizers' unicode_categories crate, so its BertNormalizer keeps them.
TEST(UnicodeRegressionTest, BertStripAccentsKeepsU0AFE) {
  EXPECT_EQ(normalized(*make_bert_normalizer({}), "\u0AFE"), "\u0AFE");
}

TEST(UnicodeRegressionTest, BertStripAccentsKeepsU08DF) {
  EXPECT_EQ(normalized(*make_bert_normalizer({}), "\u08DF"), "\u08DF");
}

// U+2E56 and U+2E43 are punctuation in current Unicode but not in those tables.
TEST(UnicodeRegressionTest, BertPreTokenizerDoesNotSplitAtU2E56) {
  EXPECT_EQ(words(*make_bert_pre_tokenizer(), "\u2E56\U0001F1C8"), Words{"\u2E56\U0001F1C8"});
}

TEST(UnicodeRegressionTest, BertPreTokenizerDoesNotSplitAtU2E43) {
  EXPECT_EQ(words(*make_bert_pre_tokenizer(), "\u2E43\u1FFE"), Words{"\u2E43\u1FFE"});
}

// tokenizers' normalization tables are Unicode 9's: U+11938 (Unicode 13) neither decomposes nor
// is composed from U+11935 U+11930, U+1DF6 (Unicode 10) has class 0, U+32FF (12.1) and U+1E030
// (15) have no compatibility decomposition. The private-use U+E000 is where ufb's normalization
// hides such code points, so it appears in the text too.
TEST(UnicodeRegressionTest, NormalFormsLeaveCodePointsNewerThanTokenizersTablesAlone) {
  const auto nfd = make_unicode_normalizer(NormalForm::kNFD);
  const auto nfc = make_unicode_normalizer(NormalForm::kNFC);
  const auto nfkc = make_unicode_normalizer(NormalForm::kNFKC);
  EXPECT_EQ(normalized(*nfd, "\U00011938"), "\U00011938");
  EXPECT_EQ(normalized(*nfc, "\U00011935\U00011930"), "\U00011935\U00011930");
  EXPECT_EQ(normalized(*nfd, "a\u1DF6\u0316 a\u0301\u0316"), "a\u1DF6\u0316 a\u0316\u0301");
  EXPECT_EQ(normalized(*nfkc, "\u32FF\U0001E030"), "\u32FF\U0001E030");
  const std::string mixed = "\uE000e\u0301\U00011935\U00011930\uE000\u1E9B\u0323";
  EXPECT_EQ(normalized(*nfc, mixed), "\uE000\u00E9\U00011935\U00011930\uE000\u1E9B\u0323");
  EXPECT_EQ(normalized(*nfd, mixed),
            "\uE000e\u0301\U00011935\U00011930\uE000\u017F\u0323\u0307");
  EXPECT_EQ(normalized(*nfkc, mixed), "\uE000\u00E9\U00011935\U00011930\uE000\u1E69");
}

}  // namespace
}  // namespace ufb::tokenizer

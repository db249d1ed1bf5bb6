// Truncation and padding as specified (the goldens check them against tokenizers as well), the
// settings a tokenizer.json carries, and the special-token accessors.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared_data.h"
#include "tokenizer/error_message.h"
#include "ufb/error.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::tokenizer {
namespace {

using Ids = std::vector<int32_t>;

const std::filesystem::path kBertDir = shared_data_path("vocab/bert-base-uncased");
const std::filesystem::path kUltraFastBertStyle = std::filesystem::path(UFB_TEST_DATA_DIR) /
                                                  "tokenizer" / "ultrafastbert_style" /
                                                  "tokenizer.json";

Tokenizer load_bert() { return Tokenizer::from_file(kBertDir); }

const Tokenizer& bert() {
  static const Tokenizer tokenizer = load_bert();
  return tokenizer;
}

Encoding sequence(size_t length, int32_t first_id) {
  Encoding encoding;
  for (size_t i = 0; i < length; ++i) {
    encoding.ids.push_back(first_id + static_cast<int32_t>(i));
    encoding.tokens.push_back(std::to_string(i));
  }
  return encoding;
}

TEST(TruncateTest, LongestFirstCutsTheLongerTextThenBoth) {
  TruncationOptions options;
  Encoding first = sequence(3, 0);
  Encoding second = sequence(10, 100);
  truncate(first, &second, 8, options);
  EXPECT_EQ(first.ids, (Ids{0, 1, 2}));
  EXPECT_EQ(second.ids, (Ids{100, 101, 102, 103, 104}));
  EXPECT_FALSE(first.truncated);
  EXPECT_TRUE(second.truncated);

  first = sequence(9, 0);
  second = sequence(7, 100);
  truncate(first, &second, 5, options);  // both over half: 3 for the longer, 2 for the shorter
  EXPECT_EQ(first.ids, (Ids{0, 1, 2}));
  EXPECT_EQ(second.ids, (Ids{100, 101}));
}

TEST(TruncateTest, LeftDirectionKeepsTheEnd) {
  TruncationOptions options;
  options.direction = Side::kLeft;
  Encoding only = sequence(6, 0);
  truncate(only, nullptr, 4, options);
  EXPECT_EQ(only.ids, (Ids{2, 3, 4, 5}));
  EXPECT_EQ(only.tokens.front(), "2");
}

TEST(TruncateTest, OnlySecondNeedsAPairAndRoom) {
  TruncationOptions options;
  options.max_length = 9;
  options.strategy = TruncationStrategy::kOnlySecond;
  Encoding first = sequence(6, 0);
  EXPECT_THROW(truncate(first, nullptr, 4, options), Error);
  Encoding second = sequence(2, 100);
  EXPECT_EQ(error_of([&] { truncate(first, &second, 6, options); }),
            "tokenizer: the second text has 2 tokens, too few to drop the 2 needed for "
            "max_length 9 (expected more with only_second)");
}

TEST(TokenizerTruncationTest, CountsSpecialTokensAndSaysItTruncated) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  Tokenizer tokenizer = load_bert();
  tokenizer.set_truncation(TruncationOptions{.max_length = 5});
  const Encoding encoding = tokenizer.encode("hello world hello world hello world");
  EXPECT_EQ(encoding.tokens,
            (std::vector<std::string>{"[CLS]", "hello", "world", "hello", "[SEP]"}));
  EXPECT_TRUE(encoding.truncated);
  EXPECT_FALSE(tokenizer.encode("hello world").truncated);

  const Encoding pair = tokenizer.encode_pair("hello world hello", "world hello world hello");
  EXPECT_EQ(pair.tokens, (std::vector<std::string>{"[CLS]", "hello", "[SEP]", "world", "[SEP]"}));
  EXPECT_EQ(pair.type_ids, (Ids{0, 0, 0, 1, 1}));
  EXPECT_TRUE(pair.truncated);
}

TEST(TokenizerTruncationTest, UntruncatedCallsIgnoreTheSettingAndChangeNothingElse) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  Tokenizer limited = load_bert();
  limited.set_truncation(TruncationOptions{.max_length = 5, .refuse_overlong = true});
  const Tokenizer& unlimited = bert();
  const std::string text = "hello world hello world hello world";
  const Encoding whole = limited.encode_untruncated(text);
  EXPECT_EQ(whole.ids, unlimited.encode(text).ids);
  EXPECT_EQ(whole.offsets, unlimited.encode(text).offsets);
  EXPECT_FALSE(whole.truncated);
  const Encoding pair = limited.encode_pair_untruncated("hello world hello", "world hello");
  EXPECT_EQ(pair.ids, unlimited.encode_pair("hello world hello", "world hello").ids);
  EXPECT_EQ(pair.type_ids, unlimited.encode_pair("hello world hello", "world hello").type_ids);
  EXPECT_THROW(limited.encode(text), Error);  // the setting itself is untouched
}

TEST(TokenizerTruncationTest, RefusesWhenAskedToBeStrict) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  Tokenizer tokenizer = load_bert();
  tokenizer.set_truncation(TruncationOptions{.max_length = 5, .refuse_overlong = true});
  EXPECT_EQ(tokenizer.encode("hello world").size(), 4u);
  EXPECT_EQ(error_of([&] { tokenizer.encode("hello world hello world"); }),
            "tokenizer: the input has 4 tokens but only 3 fit in max_length 5 "
            "(truncation is set to refuse)");
}

TEST(TokenizerTruncationTest, RefusesAMaxLengthBelowTheSpecialTokens) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  Tokenizer tokenizer = load_bert();
  tokenizer.set_truncation(TruncationOptions{.max_length = 2});
  EXPECT_EQ(tokenizer.encode("hello world").tokens, (std::vector<std::string>{"[CLS]", "[SEP]"}));
  EXPECT_EQ(error_of([&] { tokenizer.encode_pair("hello", "world"); }),
            "tokenizer: truncation max_length 2 leaves no room for the 3 special "
            "tokens of the template (expected at least 3)");
}

TEST(TokenizerPaddingTest, PadsToAFixedLengthOnEitherSide) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  Tokenizer tokenizer = load_bert();
  tokenizer.set_padding(PaddingOptions{.length = 6, .pad_id = 0, .pad_type_id = 1});
  Encoding encoding = tokenizer.encode("hello world");
  EXPECT_EQ(encoding.ids, (Ids{101, 7592, 2088, 102, 0, 0}));
  EXPECT_EQ(encoding.attention_mask, (Ids{1, 1, 1, 1, 0, 0}));
  EXPECT_EQ(encoding.type_ids, (Ids{0, 0, 0, 0, 1, 1}));
  EXPECT_EQ(encoding.tokens.back(), "[PAD]");

  tokenizer.set_padding(
      PaddingOptions{.length = 7, .pad_to_multiple_of = 4, .direction = Side::kLeft});
  encoding = tokenizer.encode("hello world hello");
  EXPECT_EQ(encoding.ids, (Ids{0, 0, 0, 101, 7592, 2088, 7592, 102}));
  EXPECT_EQ(encoding.attention_mask, (Ids{0, 0, 0, 1, 1, 1, 1, 1}));
}

TEST(TokenizerPaddingTest, NeverCutsALongerEncoding) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  Tokenizer tokenizer = load_bert();
  tokenizer.set_padding(PaddingOptions{.length = 2});
  EXPECT_EQ(tokenizer.encode("hello world").size(), 4u);
}

TEST(TokenizerPaddingTest, ReadsTruncationAndPaddingFromTheFile) {
  nlohmann::json object = nlohmann::json::parse(std::ifstream(kUltraFastBertStyle));
  object["truncation"] = {
      {"direction", "Left"}, {"max_length", 4}, {"strategy", "LongestFirst"}, {"stride", 0}};
  object["padding"] = {{"strategy", {{"Fixed", 6}}},
                       {"direction", "Right"},
                       {"pad_to_multiple_of", nullptr},
                       {"pad_id", 0},
                       {"pad_type_id", 0},
                       {"pad_token", "<pad>"}};
  const Tokenizer tokenizer = Tokenizer::from_json(object.dump(), "ultrafastbert_style");
  const Encoding encoding = tokenizer.encode("one two three four five");
  EXPECT_EQ(encoding.tokens,
            (std::vector<std::string>{"three", "four", "five", "<sep>", "<pad>", "<pad>"}));
  EXPECT_TRUE(encoding.truncated);
  EXPECT_EQ(tokenizer.truncation()->max_length, 4u);
  EXPECT_EQ(tokenizer.padding()->length, 6u);
}

TEST(TokenizerAccessorsTest, BertSpecialTokensComeFromTheFile) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir);
  EXPECT_EQ(bert().mask_token_id(), 103);
  EXPECT_EQ(bert().pad_token_id(), 0);
  EXPECT_EQ(bert().vocab_size(), 30522u);
  EXPECT_EQ(bert().token_to_id("[SEP]"), 102);
  EXPECT_EQ(bert().token_to_id("##ing"), 2075);
  EXPECT_EQ(bert().token_to_id("not-a-token"), std::nullopt);
  EXPECT_EQ(bert().id_to_token(101), "[CLS]");
  EXPECT_EQ(bert().id_to_token(-1), "");
  EXPECT_EQ(bert().id_to_token(30522), "");
}

TEST(TokenizerAccessorsTest, UltraFastBertStyleSpecialTokensComeFromTheFile) {
  const Tokenizer tokenizer = Tokenizer::from_file(kUltraFastBertStyle);
  EXPECT_EQ(tokenizer.mask_token_id(), tokenizer.token_to_id("<mask>"));
  EXPECT_EQ(tokenizer.pad_token_id(), tokenizer.token_to_id("<pad>"));
  const Encoding pair = tokenizer.encode_pair("a", "b");
  EXPECT_EQ(pair.tokens, (std::vector<std::string>{"<cls>", "a", "<sep>", "b", "<sep>"}));
  EXPECT_EQ(tokenizer.encode("a").tokens, (std::vector<std::string>{"a", "<sep>"}));
}

TEST(TokenizerAccessorsTest, PadTokenIdNeedsAPadToken) {
  const Tokenizer tokenizer = Tokenizer::from_json(R"({"model": {"type": "WordPiece",
      "vocab": {"[UNK]": 0, "a": 1}}})",
                                                   "tiny.json");
  EXPECT_EQ(tokenizer.mask_token_id(), std::nullopt);
  EXPECT_THROW(tokenizer.pad_token_id(), Error);
  EXPECT_EQ(tokenizer.encode_pair("a", "a").type_ids, (Ids{0, 1}));  // no post-processor
}

}  // namespace
}  // namespace ufb::tokenizer

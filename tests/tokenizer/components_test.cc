// The pieces of the tokenizer on their own, with expected values taken from Hugging Face
// tokenizers 0.23 (normalize_str / pre_tokenize_str).

#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/error_message.h"
#include "tokenizer/run_component.h"
#include "ufb/error.h"
#include "ufb/tokenizer/normalized_text.h"
#include "ufb/tokenizer/normalizer.h"
#include "ufb/tokenizer/pre_tokenizer.h"
#include "ufb/tokenizer/wordpiece.h"

namespace ufb::tokenizer {
namespace {

// The original byte range of each character of the normalized text.
struct Aligned {
  std::string text;
  std::vector<ByteRange> ranges;
  bool operator==(const Aligned&) const = default;
};

std::ostream& operator<<(std::ostream& out, const Aligned& aligned) {
  out << '"' << aligned.text << "\":";
  for (const auto& [start, stop] : aligned.ranges) out << " (" << start << "," << stop << ")";
  return out;
}

Aligned aligned(const Normalizer& normalizer, std::string_view original) {
  NormalizedText text(original);
  normalizer.normalize(text);
  Aligned out{text.text(), {}};
  for (size_t byte = 0; byte < out.text.size(); ++byte) {
    if ((static_cast<unsigned char>(out.text[byte]) & 0xC0) != 0x80) {
      out.ranges.push_back(text.alignment(byte));
    }
  }
  return out;
}

// Expected alignments: tokenizers 0.23's offsets of each normalized character (one token per
// character through Split("."), in bytes).
TEST(NormalizerAlignmentTest, BertNormalizerDropsControlsAndPadsIdeographsWithTheirOwnRange) {
  using std::string_view_literals::operator""sv;
  EXPECT_EQ(aligned(*make_bert_normalizer({}), "\xC3\x87" "a\x00 va \xE5\x8C\x97\xE4\xBA\xAC!"sv),
            (Aligned{"ca va  \xE5\x8C\x97  \xE4\xBA\xAC !",
                     {{0, 2}, {2, 3}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 11}, {8, 11}, {8, 11},
                      {11, 14}, {11, 14}, {11, 14}, {14, 15}}}));
  EXPECT_EQ(aligned(*make_bert_normalizer({.strip_accents = false, .lowercase = false}),
                    "a\tb\u200Bc\u5317"),
            (Aligned{"a bc \u5317 ", {{0, 1}, {1, 2}, {2, 3}, {6, 7}, {7, 10}, {7, 10}, {7, 10}}}));
}

TEST(NormalizerAlignmentTest, UnicodeFormsFollowTheDecompositionAndComposition) {
  EXPECT_EQ(aligned(*make_unicode_normalizer(NormalForm::kNFD), "caf\u00E9"),
            (Aligned{"cafe\u0301", {{0, 1}, {1, 2}, {2, 3}, {3, 5}, {3, 5}}}));
  // A composite takes the range of its first character only, as in tokenizers.
  EXPECT_EQ(aligned(*make_unicode_normalizer(NormalForm::kNFC), "cafe\u0301 x"),
            (Aligned{"caf\u00E9 x", {{0, 1}, {1, 2}, {2, 3}, {3, 4}, {6, 7}, {7, 8}}}));
  EXPECT_EQ(aligned(*make_unicode_normalizer(NormalForm::kNFKD), "\uFB01\u2460"),
            (Aligned{"fi1", {{0, 3}, {0, 3}, {3, 6}}}));
  EXPECT_EQ(aligned(*make_unicode_normalizer(NormalForm::kNFKC), "\uFF46\uFF49 \uFB01"),
            (Aligned{"fi fi", {{0, 3}, {3, 6}, {6, 7}, {7, 10}, {7, 10}}}));
  // Reordered marks keep the place, not the character, they replaced.
  EXPECT_EQ(aligned(*make_unicode_normalizer(NormalForm::kNFC), "a\u0301\u0316b"),
            (Aligned{"\u00E1\u0316b", {{0, 1}, {3, 5}, {5, 6}}}));
}

TEST(NormalizerAlignmentTest, LowercaseAndStripAccentsMapToTheirCharacter) {
  EXPECT_EQ(aligned(*make_lowercase(), "\u0130A"),
            (Aligned{"i\u0307a", {{0, 2}, {0, 2}, {2, 3}}}));
  std::vector<std::unique_ptr<Normalizer>> nfd_strip;
  nfd_strip.push_back(make_unicode_normalizer(NormalForm::kNFD));
  nfd_strip.push_back(make_strip_accents());
  EXPECT_EQ(aligned(*make_normalizer_sequence(std::move(nfd_strip)), "n\u00E9"),
            (Aligned{"ne", {{0, 1}, {1, 3}}}));
}

TEST(NormalizerAlignmentTest, StripKeepsTheRangesOfWhatRemains) {
  EXPECT_EQ(aligned(*make_strip(true, true), "  ab  "), (Aligned{"ab", {{2, 3}, {3, 4}}}));
}

TEST(NormalizerAlignmentTest, ReplacementsAlignToTheMatchsLastCharacter) {
  EXPECT_EQ(aligned(*make_replace_string("ab", "xyz"), "cabd"),
            (Aligned{"cxyzd", {{0, 1}, {2, 3}, {2, 3}, {2, 3}, {3, 4}}}));
  EXPECT_EQ(aligned(*make_replace_string("b", ""), "abc"), (Aligned{"ac", {{0, 1}, {2, 3}}}));
  EXPECT_EQ(aligned(*make_replace_regex(" +", "_"), "a   b"),
            (Aligned{"a_b", {{0, 1}, {3, 4}, {4, 5}}}));
}

TEST(NormalizerAlignmentTest, PrependAlignsToTheFirstCharacter) {
  EXPECT_EQ(aligned(*make_prepend("\u2581"), "ab"),
            (Aligned{"\u2581ab", {{0, 1}, {0, 1}, {1, 2}}}));
  EXPECT_EQ(aligned(*make_prepend("xy"), "\u00E9a"),
            (Aligned{"xy\u00E9a", {{0, 2}, {0, 2}, {0, 2}, {2, 3}}}));
  std::vector<std::unique_ptr<Normalizer>> sequence;
  sequence.push_back(make_unicode_normalizer(NormalForm::kNFKC));
  sequence.push_back(make_lowercase());
  sequence.push_back(make_prepend("_"));
  EXPECT_EQ(aligned(*make_normalizer_sequence(std::move(sequence)), "\uFF21B"),
            (Aligned{"_ab", {{0, 3}, {0, 3}, {3, 4}}}));
}

TEST(NormalizerAlignmentTest, AnUnchangedTextAlignsToItself) {
  const Aligned same = aligned(*make_bert_normalizer({}), "hello world");
  EXPECT_EQ(same.ranges.front(), (ByteRange{0, 1}));
  EXPECT_EQ(same.ranges.back(), (ByteRange{10, 11}));
}

TEST(NormalizerTest, ReplaceStringIsLeftToRightAndNonOverlapping) {
  EXPECT_EQ(normalized(*make_replace_string("aa", "b"), "aaaaa"), "bba");
}

TEST(NormalizerTest, ReplaceRegexMatchesCodePoints) {
  EXPECT_EQ(normalized(*make_replace_regex(R"(\s+)", " "), "a \t\n b"), "a b");
  EXPECT_EQ(normalized(*make_replace_regex(R"([^\x00-\x7F]+)", ""), "naïve 😀 café"), "nave  caf");
}

TEST(NormalizerTest, ReplaceRegexRejectsABadPattern) {
  EXPECT_EQ(error_of([] { make_replace_regex("(unclosed", ""); }),
            "regex \"(unclosed\" does not compile (missing closing parenthesis at offset 9)");
}

TEST(NormalizerTest, ReplaceRegexTakesTheContentLiterally) {
  EXPECT_EQ(normalized(*make_replace_regex("b+", "$0\\1"), "abbc"), "a$0\\1c");
  EXPECT_EQ(normalized(*make_replace_regex("x*", "-"), "axxb"), "-a--b-");
  EXPECT_EQ(normalized(*make_replace_regex("a|ab", "_"), "abab"), "_b_b");  // leftmost-first
}

// std::regex recursed once per matched character and crashed (stack overflow) on these, which
// a single long request could trigger. Each run is one match of 300,000 code points.
TEST(NormalizerTest, ReplaceRegexHandlesVeryLongMatches) {
  std::string cjk;
  for (int i = 0; i < 300'000; ++i) cjk += "\u4e2d";
  EXPECT_EQ(normalized(*make_replace_regex(R"([^\x00-\x7F]+)", "?"), "a" + cjk + "b"), "a?b");
  EXPECT_EQ(normalized(*make_replace_regex(" {2,}", " "), "a" + std::string(300'000, ' ') + "b"),
            "a b");
}

TEST(NormalizerTest, ReplaceRegexReportsCatastrophicBacktracking) {
  EXPECT_EQ(error_of([] {
              normalized(*make_replace_regex("(a+)+$", ""), std::string(40, 'a') + "!");
            }),
            "regex \"(a+)+$\" cannot be matched against the text (match limit exceeded)");
}

TEST(NormalizerTest, PrependLeavesAnEmptyTextEmpty) {
  EXPECT_EQ(normalized(*make_prepend("_"), ""), "");
  EXPECT_EQ(normalized(*make_prepend("_"), "x"), "_x");
}

TEST(NormalizerTest, StripRemovesUnicodeWhitespace) {
  EXPECT_EQ(normalized(*make_strip(true, true), " \u3000 x y \t"), "x y");
  EXPECT_EQ(normalized(*make_strip(false, true), "  x  "), "  x");
  EXPECT_EQ(normalized(*make_strip(true, true), " \t "), "");
}

TEST(NormalizerTest, LowercaseFollowsRustsToLowercase) {
  EXPECT_EQ(normalized(*make_lowercase(), "İSTANBUL ΣΑΣ"), "i\u0307stanbul σασ");
}

TEST(NormalizerTest, BertNormalizerCleansSplitsCjkAndStripsAccents) {
  const auto bert = make_bert_normalizer({});
  EXPECT_EQ(normalized(*bert, "Ça\tva\x01 我们\u200b!"), "ca va  我  们 !");
  BertNormalizerOptions cased;
  cased.lowercase = false;
  EXPECT_EQ(normalized(*make_bert_normalizer(cased), "Ça va"), "Ça va");
}

TEST(NormalizerTest, UnicodeFormsComposeAndDecompose) {
  EXPECT_EQ(normalized(*make_unicode_normalizer(NormalForm::kNFD), "é"), "e\u0301");
  EXPECT_EQ(normalized(*make_unicode_normalizer(NormalForm::kNFC), "e\u0301"), "é");
  EXPECT_EQ(normalized(*make_unicode_normalizer(NormalForm::kNFKC), "ﬁ²"), "fi2");
  EXPECT_EQ(normalized(*make_strip_accents(), "e\u0301\u20dd"), "e");
}

TEST(PreTokenizerTest, PunctuationBehaviors) {
  const std::string_view text = "!a!!b, c?";
  EXPECT_EQ(words(*make_punctuation_pre_tokenizer(SplitBehavior::kRemoved), text),
            (Words{"a", "b", " c"}));
  EXPECT_EQ(words(*make_punctuation_pre_tokenizer(SplitBehavior::kIsolated), text),
            (Words{"!", "a", "!", "!", "b", ",", " c", "?"}));
  EXPECT_EQ(words(*make_punctuation_pre_tokenizer(SplitBehavior::kMergedWithPrevious), text),
            (Words{"!", "a!", "!", "b,", " c?"}));
  EXPECT_EQ(words(*make_punctuation_pre_tokenizer(SplitBehavior::kMergedWithNext), text),
            (Words{"!a", "!", "!b", ", c", "?"}));
  EXPECT_EQ(words(*make_punctuation_pre_tokenizer(SplitBehavior::kContiguous), text),
            (Words{"!", "a", "!!", "b", ",", " c", "?"}));
}

TEST(PreTokenizerTest, WhitespaceAndBert) {
  const std::string_view text = "Hey man!! 3.5x_y  é-ß";
  EXPECT_EQ(words(*make_whitespace_pre_tokenizer(), text),
            (Words{"Hey", "man", "!!", "3", ".", "5x_y", "é", "-", "ß"}));
  EXPECT_EQ(words(*make_bert_pre_tokenizer(), text),
            (Words{"Hey", "man", "!", "!", "3", ".", "5x", "_", "y", "é", "-", "ß"}));
  EXPECT_EQ(words(*make_whitespace_split_pre_tokenizer(), " a\u3000b\n"), (Words{"a", "b"}));
}

TEST(PreTokenizerTest, SequenceAppliesEachStageToEveryWord) {
  std::vector<std::unique_ptr<PreTokenizer>> stages;
  stages.push_back(make_whitespace_split_pre_tokenizer());
  stages.push_back(make_punctuation_pre_tokenizer(SplitBehavior::kIsolated));
  EXPECT_EQ(words(*make_pre_tokenizer_sequence(std::move(stages)), "a,b c!"),
            (Words{"a", ",", "b", "c", "!"}));
}

WordPiece small_wordpiece(WordPieceOptions options) {
  return WordPiece({{"[UNK]", 0}, {"un", 1}, {"@@aff", 2}, {"@@able", 3}, {"é", 4}, {"@@é", 5}},
                   std::move(options), "test vocab");
}

TEST(WordPieceTest, SegmentsGreedilyWithTheConfiguredPrefix) {
  const WordPiece model =
      small_wordpiece({.unk_token = "[UNK]", .continuing_subword_prefix = "@@"});
  Encoding out;
  model.tokenize("unaffable", out);
  EXPECT_EQ(out.ids, (std::vector<int32_t>{1, 2, 3}));
  EXPECT_EQ(out.tokens, (std::vector<std::string>{"un", "@@aff", "@@able"}));
}

TEST(WordPieceTest, AWordWithoutSegmentationIsOneUnknown) {
  const WordPiece model =
      small_wordpiece({.unk_token = "[UNK]", .continuing_subword_prefix = "@@"});
  Encoding out;
  model.tokenize("unaffablex", out);
  EXPECT_EQ(out.ids, (std::vector<int32_t>{0}));
}

TEST(WordPieceTest, MaxInputCharsCountsCodePoints) {
  const WordPiece model = small_wordpiece(
      {.unk_token = "[UNK]", .continuing_subword_prefix = "@@", .max_input_chars_per_word = 3});
  Encoding out;
  model.tokenize("ééé", out);  // 3 code points, 6 bytes
  EXPECT_EQ(out.ids, (std::vector<int32_t>{4, 5, 5}));
  out = {};
  model.tokenize("éééé", out);
  EXPECT_EQ(out.ids, (std::vector<int32_t>{0}));
}

TEST(WordPieceTest, LooksUpBothWays) {
  const WordPiece model = small_wordpiece({});
  EXPECT_EQ(model.token_to_id("@@able"), 3);
  EXPECT_EQ(model.token_to_id("missing"), std::nullopt);
  EXPECT_EQ(model.id_to_token(4), "é");
  EXPECT_EQ(model.id_to_token(99), "");
  EXPECT_EQ(model.id_limit(), 6u);
}

}  // namespace
}  // namespace ufb::tokenizer

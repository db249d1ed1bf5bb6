// Random texts from all over Unicode (tools/make_unicode_sweep_goldens.py) through whole
// tokenizers: our ids must equal those of Hugging Face tokenizers on every one. Also the texts of
// the issue that first showed our Unicode tables differing from theirs.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "shared_data.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::tokenizer {
namespace {

using nlohmann::json;

const std::filesystem::path kGoldenDir = std::filesystem::path(UFB_TEST_DATA_DIR) / "tokenizer";
const std::filesystem::path kBertDir = shared_data_path("vocab/bert-base-uncased");

struct SweepTokenizer {
  std::string name;            // test name
  std::string column;          // its ids in the rows of unicode_sweep.jsonl
  std::filesystem::path path;  // what Tokenizer::from_file reads
};

std::ostream& operator<<(std::ostream& out, const SweepTokenizer& tokenizer) {
  return out << tokenizer.name;
}

std::string describe(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  std::string text;
  for (const int32_t id : ids) text += std::string(tokenizer.id_to_token(id)) + " ";
  return text;
}

class UnicodeSweepTest : public ::testing::TestWithParam<SweepTokenizer> {};

TEST_P(UnicodeSweepTest, EncodesEveryTextLikeHuggingFace) {
  UFB_SKIP_WITHOUT_SHARED_DATA(GetParam().path);
  const Tokenizer tokenizer = Tokenizer::from_file(GetParam().path);
  std::ifstream file(kGoldenDir / "unicode_sweep.jsonl");
  ASSERT_TRUE(file) << "cannot open unicode_sweep.jsonl";
  std::string line;
  std::getline(file, line);
  const json header = json::parse(line);
  const auto layout = header["row"].get<std::vector<std::string>>();
  const size_t column = std::find(layout.begin(), layout.end(), GetParam().column) - layout.begin();
  ASSERT_LT(column, layout.size()) << "no column " << GetParam().column;

  size_t texts = 0;
  size_t mismatches = 0;
  constexpr size_t kReported = 10;  // a broken table fails most texts; show a few
  while (std::getline(file, line)) {
    const json row = json::parse(line);
    const std::string text = row[0].get<std::string>();
    const json& ids_column = row[column].is_null() ? row[1] : row[column];  // null: as the first
    const auto expected = ids_column.get<std::vector<int32_t>>();
    const std::vector<int32_t> ids = tokenizer.encode(text).ids;
    ++texts;
    if (ids != expected && ++mismatches <= kReported) {
      ADD_FAILURE() << "text " << texts << ": \"" << text << "\"\nours:     "
                    << describe(tokenizer, ids) << "\nexpected: " << describe(tokenizer, expected);
    }
  }
  EXPECT_EQ(texts, header["texts"].get<size_t>());
  EXPECT_EQ(mismatches, 0u) << "texts encoded differently (the first " << kReported
                            << " are shown)";
  std::cout << GetParam().name << ": " << texts - mismatches << "/" << texts
            << " random Unicode texts match\n";
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, UnicodeSweepTest,
    ::testing::Values(
        SweepTokenizer{"BertTokenizerJson", "bert", kBertDir / "tokenizer.json"},
        SweepTokenizer{"BertVocabTxt", "bert_vocab_txt", kBertDir / "vocab.txt"},
        SweepTokenizer{"UltraFastBertStyle", "ultrafastbert_style",
                       kGoldenDir / "ultrafastbert_style" / "tokenizer.json"},
        SweepTokenizer{"PunctuationPipeline", "punctuation_pipeline",
                       kGoldenDir / "punctuation_pipeline" / "tokenizer.json"},
        SweepTokenizer{"MixedPipeline", "mixed_pipeline",
                       kGoldenDir / "mixed_pipeline" / "tokenizer.json"}),
    [](const ::testing::TestParamInfo<SweepTokenizer>& info) { return info.param.name; });

// The issue's examples with BERT's uncased tokenizer, as tokenizers 0.23 encodes them: U+0AFE and
// U+08DF are not accents to it, U+2E56 and U+2E43 not punctuation.
class UnicodeIssueTest : public ::testing::Test {
 protected:
  void SetUp() override { UFB_SKIP_WITHOUT_SHARED_DATA(kBertDir / "tokenizer.json"); }
  std::vector<std::string> tokens(std::string_view text) const {
    return Tokenizer::from_file(kBertDir / "tokenizer.json").encode(text).tokens;
  }
};

using Tokens = std::vector<std::string>;

TEST_F(UnicodeIssueTest, GujaratiSignU0AFEIsAnUnknownWord) {
  EXPECT_EQ(tokens("\u0AFE"), (Tokens{"[CLS]", "[UNK]", "[SEP]"}));
}

TEST_F(UnicodeIssueTest, ArabicMarkU08DFIsAnUnknownWord) {
  EXPECT_EQ(tokens("\u08DF"), (Tokens{"[CLS]", "[UNK]", "[SEP]"}));
}

TEST_F(UnicodeIssueTest, U2E56DoesNotSplitAWord) {
  EXPECT_EQ(tokens("\u2E56\U0001F1C8"), (Tokens{"[CLS]", "[UNK]", "[SEP]"}));
}

TEST_F(UnicodeIssueTest, U2E43DoesNotSplitAWord) {
  EXPECT_EQ(tokens("\u2E43\u1FFE"), (Tokens{"[CLS]", "[UNK]", "[SEP]"}));
}

}  // namespace
}  // namespace ufb::tokenizer

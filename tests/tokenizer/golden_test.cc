// Every golden case of tools/make_tokenizer_goldens.py: our ids, offsets (and type ids, tokens,
// attention masks where recorded) must equal what Hugging Face tokenizers produced.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shared_data.h"
#include "ufb/error.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::tokenizer {
namespace {

using nlohmann::json;

const std::filesystem::path kGoldenDir = std::filesystem::path(UFB_TEST_DATA_DIR) / "tokenizer";
const std::filesystem::path kBertDir = shared_data_path("vocab/bert-base-uncased");

json read_json(const std::filesystem::path& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path.string());
  return json::parse(file);
}

const json& inputs() {
  static const json cases = read_json(kGoldenDir / "inputs.json");
  return cases;
}

struct GoldenTokenizer {
  std::string name;            // test name
  std::string golden;          // goldens_<golden>.json
  std::filesystem::path path;  // what Tokenizer::from_file reads
};

std::ostream& operator<<(std::ostream& out, const GoldenTokenizer& golden) {
  return out << golden.name;
}

std::vector<int32_t> ints(const json& array) { return array.get<std::vector<int32_t>>(); }

Encoding encode_case(const Tokenizer& tokenizer, const json& input) {
  if (input.contains("b")) {
    return tokenizer.encode_pair(input["a"].get<std::string>(), input["b"].get<std::string>());
  }
  return tokenizer.encode(input["a"].get<std::string>());
}

using Offsets = std::vector<std::pair<size_t, size_t>>;

// Byte offset of each code point of `text`, and one past the end.
std::vector<size_t> code_point_starts(std::string_view text) {
  std::vector<size_t> starts;
  for (size_t byte = 0; byte < text.size(); ++byte) {
    if ((static_cast<unsigned char>(text[byte]) & 0xC0) != 0x80) starts.push_back(byte);
  }
  starts.push_back(text.size());
  return starts;
}

// The golden offsets (tokenizers' Python Encoding: code points of the token's own text) in bytes,
// as Encoding::offsets has them.
Offsets byte_offsets(const json& result, const json& input) {
  const std::vector<size_t> first = code_point_starts(input["a"].get<std::string>());
  const std::vector<size_t> second =
      code_point_starts(input.contains("b") ? input["b"].get<std::string>() : "");
  Offsets offsets;
  const json& characters = result["offsets"];
  for (size_t i = 0; i < characters.size(); ++i) {
    const bool in_second = result.contains("sequence_ids") && result["sequence_ids"][i] == 1;
    const std::vector<size_t>& starts = in_second ? second : first;
    offsets.emplace_back(starts.at(characters[i][0].get<size_t>()),
                         starts.at(characters[i][1].get<size_t>()));
  }
  return offsets;
}

std::string describe(const Offsets& offsets, std::string_view text) {
  std::string out;
  for (const auto& [start, stop] : offsets) {
    out += "(" + std::to_string(start) + "," + std::to_string(stop) + ")";
    if (stop <= text.size() && start < stop) out += "\"" + std::string(text.substr(start, stop - start)) + "\"";
    out += " ";
  }
  return out;
}

std::string describe(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  std::string text;
  for (const int32_t id : ids) text += std::string(tokenizer.id_to_token(id)) + " ";
  return text;
}

class GoldenTest : public testing::TestWithParam<GoldenTokenizer> {
 protected:
  void SetUp() override {
    UFB_SKIP_WITHOUT_SHARED_DATA(GetParam().path);
    golden_ = read_json(kGoldenDir / ("goldens_" + GetParam().golden + ".json"));
  }
  Tokenizer load() const { return Tokenizer::from_file(GetParam().path); }
  json golden_;
};

TEST_P(GoldenTest, EncodesEveryInputLikeHuggingFace) {
  const Tokenizer tokenizer = load();
  size_t passed = 0;
  for (const json& result : golden_["results"]) {
    const json& input = inputs().at(result["input"].get<size_t>());
    SCOPED_TRACE(input["name"].get<std::string>());
    const Encoding encoding = encode_case(tokenizer, input);
    const std::vector<int32_t> expected = ints(result["ids"]);
    EXPECT_EQ(encoding.ids, expected) << "ours:     " << describe(tokenizer, encoding.ids)
                                      << "\nexpected: " << describe(tokenizer, expected);
    const std::vector<int32_t> type_ids = result.contains("type_ids")
                                              ? ints(result["type_ids"])
                                              : std::vector<int32_t>(expected.size(), 0);
    EXPECT_EQ(encoding.type_ids, type_ids);
    if (result.contains("tokens")) {
      EXPECT_EQ(encoding.tokens, result["tokens"].get<std::vector<std::string>>());
    }
    const Offsets offsets = byte_offsets(result, input);
    const std::string& text = input["a"].get_ref<const std::string&>();
    EXPECT_EQ(encoding.offsets, offsets) << "ours:     " << describe(encoding.offsets, text)
                                         << "\nexpected: " << describe(offsets, text);
    EXPECT_EQ(encoding.attention_mask, std::vector<int32_t>(encoding.size(), 1));
    EXPECT_FALSE(encoding.truncated);
    passed += encoding.ids == expected && encoding.type_ids == type_ids && encoding.offsets == offsets;
  }
  EXPECT_EQ(passed, golden_["results"].size());
  std::cout << GetParam().name << ": " << passed << "/" << golden_["results"].size()
            << " golden encodings match\n";
}

TruncationOptions truncation_from(const json& object) {
  TruncationOptions options;
  options.max_length = object["max_length"].get<size_t>();
  const std::string strategy = object["strategy"].get<std::string>();
  options.strategy = strategy == "only_first"    ? TruncationStrategy::kOnlyFirst
                     : strategy == "only_second" ? TruncationStrategy::kOnlySecond
                                                 : TruncationStrategy::kLongestFirst;
  options.direction = object["direction"] == "left" ? Side::kLeft : Side::kRight;
  return options;
}

PaddingOptions padding_from(const json& object) {
  // tokenizers' enable_padding defaults: pad_id 0, pad_token [PAD], pad_type_id 0.
  PaddingOptions options;
  if (!object["length"].is_null()) options.length = object["length"].get<size_t>();
  if (!object["pad_to_multiple_of"].is_null()) {
    options.pad_to_multiple_of = object["pad_to_multiple_of"].get<size_t>();
  }
  options.direction = object["direction"] == "left" ? Side::kLeft : Side::kRight;
  return options;
}

TEST_P(GoldenTest, TruncatesAndPadsLikeHuggingFace) {
  Tokenizer tokenizer = load();
  for (const json& setting : golden_["settings"]) {
    SCOPED_TRACE(setting["name"].get<std::string>());
    tokenizer.set_truncation(truncation_from(setting["truncation"]));
    tokenizer.set_padding(setting["padding"].is_null()
                              ? std::nullopt
                              : std::optional(padding_from(setting["padding"])));
    for (const json& result : setting["results"]) {
      const json& input = inputs().at(result["input"].get<size_t>());
      SCOPED_TRACE(input["name"].get<std::string>());
      if (result.contains("error")) {
        EXPECT_THROW(encode_case(tokenizer, input), Error);
        continue;
      }
      const Encoding encoding = encode_case(tokenizer, input);
      const std::vector<int32_t> expected = ints(result["ids"]);
      EXPECT_EQ(encoding.ids, expected) << "ours:     " << describe(tokenizer, encoding.ids)
                                        << "\nexpected: " << describe(tokenizer, expected);
      EXPECT_EQ(encoding.type_ids, result.contains("type_ids")
                                       ? ints(result["type_ids"])
                                       : std::vector<int32_t>(expected.size(), 0));
      EXPECT_EQ(encoding.attention_mask, result.contains("attention_mask")
                                             ? ints(result["attention_mask"])
                                             : std::vector<int32_t>(expected.size(), 1));
      EXPECT_EQ(encoding.offsets, byte_offsets(result, input));
    }
  }
}

void expect_batch(const std::vector<Encoding>& encodings, const json& expected) {
  ASSERT_EQ(encodings.size(), expected["results"].size());
  for (size_t i = 0; i < encodings.size(); ++i) {
    EXPECT_EQ(encodings[i].ids, ints(expected["results"][i]["ids"])) << "batch entry " << i;
    const json& input = inputs().at(expected["inputs"][i].get<size_t>());
    EXPECT_EQ(encodings[i].offsets, byte_offsets(expected["results"][i], input))
        << "batch entry " << i;
    EXPECT_EQ(encodings[i].attention_mask, ints(expected["results"][i]["attention_mask"]))
        << "batch entry " << i;
  }
}

TEST_P(GoldenTest, PadsABatchToItsLongest) {
  Tokenizer tokenizer = load();
  tokenizer.set_padding(PaddingOptions{});

  const json& singles = golden_["batch"]["singles"];
  std::vector<std::string_view> texts;
  for (const json& index : singles["inputs"]) {
    texts.push_back(inputs().at(index.get<size_t>())["a"].get_ref<const std::string&>());
  }
  expect_batch(tokenizer.encode_batch(texts), singles);

  const json& pairs = golden_["batch"]["pairs"];
  std::vector<std::pair<std::string_view, std::string_view>> text_pairs;
  for (const json& index : pairs["inputs"]) {
    const json& input = inputs().at(index.get<size_t>());
    text_pairs.emplace_back(input["a"].get_ref<const std::string&>(),
                            input["b"].get_ref<const std::string&>());
  }
  expect_batch(tokenizer.encode_pair_batch(text_pairs), pairs);
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, GoldenTest,
    testing::Values(
        GoldenTokenizer{"BertTokenizerJson", "bert_base_uncased", kBertDir / "tokenizer.json"},
        GoldenTokenizer{"BertVocabTxt", "bert_base_uncased", kBertDir / "vocab.txt"},
        GoldenTokenizer{"UltraFastBertStyle", "ultrafastbert_style",
                        kGoldenDir / "ultrafastbert_style" / "tokenizer.json"},
        GoldenTokenizer{"MixedPipeline", "mixed_pipeline", kGoldenDir / "mixed_pipeline"},
        GoldenTokenizer{"PunctuationPipeline", "punctuation_pipeline",
                        kGoldenDir / "punctuation_pipeline" / "tokenizer.json"}),
    [](const testing::TestParamInfo<GoldenTokenizer>& info) { return info.param.name; });

}  // namespace
}  // namespace ufb::tokenizer

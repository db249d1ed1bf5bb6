// sentence-transformers directories against sentence-transformers itself
// (tools/make_sentence_transformers_goldens.py): mean pooling + Normalize, cls + Dense(tanh),
// max and mean-sqrt-len concatenated; each tokenized by its tokenizer.json, truncated to its
// sentence_bert_config.json max_seq_length. Then the directories ufb must refuse.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "model/goldens.h"
#include "ufb/error.h"
#include "ufb/model/sentence_embedding.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::model {
namespace {

using testing::expect_close;
using testing::Goldens;
using testing::test_data;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

class SentenceTransformersGolden : public ::testing::TestWithParam<std::string> {
 protected:
  std::filesystem::path dir() const { return test_data("sentence_transformers/" + GetParam()); }
};

TEST_P(SentenceTransformersGolden, EmbeddingsOfTheTexts) {
  const Model model(dir());
  const std::optional<SentenceEmbedding> pipeline = SentenceEmbedding::read(dir(), model.config());
  ASSERT_TRUE(pipeline.has_value());
  ASSERT_TRUE(pipeline->max_seq_length().has_value());
  tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_file(dir());
  tokenizer::TruncationOptions truncation;
  truncation.max_length = static_cast<size_t>(*pipeline->max_seq_length());
  tokenizer.set_truncation(truncation);
  tokenizer.set_padding(std::nullopt);  // the model pads each batch itself

  const Goldens goldens(dir() / "goldens.safetensors");
  const std::vector<int32_t> golden_ids = goldens.ints("input_ids");
  const std::vector<int32_t> golden_mask = goldens.ints("attention_mask");
  const std::vector<std::string> texts = read_lines(dir() / "texts.txt");
  const size_t padded = golden_ids.size() / texts.size();
  std::vector<TokenIds> ids, types;
  for (size_t i = 0; i < texts.size(); ++i) {
    tokenizer::Encoding encoding = tokenizer.encode(texts[i]);
    TokenIds expected;
    for (size_t p = 0; p < padded && golden_mask[i * padded + p] == 1; ++p) expected.push_back(golden_ids[i * padded + p]);
    EXPECT_EQ(encoding.ids, expected) << "text " << i;
    ids.push_back(std::move(encoding.ids));
    types.push_back(std::move(encoding.type_ids));
  }
  const Embeddings embeddings = pipeline->embed(model, ids, types);
  expect_close(GetParam() + " embeddings", embeddings.values, goldens.floats("embeddings"));
}

INSTANTIATE_TEST_SUITE_P(Directories, SentenceTransformersGolden,
                         ::testing::Values("mean_normalize", "cls_dense_tanh", "max_meansqrt"));

TEST(SentenceEmbedding, ReadsEachDirectorysModules) {
  const Model model(test_data("sentence_transformers/cls_dense_tanh"));
  const auto dense = SentenceEmbedding::read(test_data("sentence_transformers/cls_dense_tanh"), model.config());
  ASSERT_TRUE(dense.has_value());
  EXPECT_EQ(dense->pooling(), std::vector<EmbeddingPooling>{EmbeddingPooling::first});
  EXPECT_EQ(dense->dense_layers().size(), 1u);
  EXPECT_FALSE(dense->normalize());
  const auto concatenated = SentenceEmbedding::read(test_data("sentence_transformers/max_meansqrt"), model.config());
  EXPECT_EQ(concatenated->pooling(),
            (std::vector<EmbeddingPooling>{EmbeddingPooling::max, EmbeddingPooling::mean_sqrt_len}));
  EXPECT_FALSE(SentenceEmbedding::read(test_data("bert/base_gelu_new"), model.config()).has_value());
}

// A copy of a golden directory to break.
class BrokenDirectory : public ::testing::Test {
 protected:
  BrokenDirectory()
      : dir_(std::filesystem::temp_directory_path() /
             ("ufb-st-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::copy(test_data("sentence_transformers/cls_dense_tanh"), dir_,
                          std::filesystem::copy_options::recursive);
    model_ = std::make_unique<Model>(dir_);
  }
  ~BrokenDirectory() override { std::filesystem::remove_all(dir_); }

  void write(const std::string& relative, const std::string& text) {
    std::ofstream(dir_ / relative) << text;
  }
  std::string error() {
    try {
      SentenceEmbedding::read(dir_, model_->config());
    } catch (const Error& error) {
      return error.what();
    }
    return "no error";
  }

  std::filesystem::path dir_;
  std::unique_ptr<Model> model_;
};

TEST_F(BrokenDirectory, AModuleUfbDoesNotRun) {
  write("modules.json",
        R"([{"idx":0,"name":"0","path":"","type":"sentence_transformers.models.Transformer"},
            {"idx":1,"name":"1","path":"1_Pooling","type":"sentence_transformers.models.Pooling"},
            {"idx":2,"name":"2","path":"2_LSTM","type":"sentence_transformers.models.LSTM"}])");
  EXPECT_THAT(error(), HasSubstr("modules.json: module 2 has type sentence_transformers.models.LSTM, which ufb does not run"));
}

TEST_F(BrokenDirectory, APoolingWidthThatContradictsTheWeights) {
  write("1_Pooling/config.json", R"({"embedding_dimension": 384, "pooling_mode": "cls"})");
  EXPECT_THAT(error(), HasSubstr("embedding_dimension is 384, the model's hidden_size is 32"));
  write("1_Pooling/config.json", R"({"word_embedding_dimension": 384, "pooling_mode_cls_token": true})");
  EXPECT_THAT(error(), HasSubstr("word_embedding_dimension is 384, the model's hidden_size is 32"));
}

TEST_F(BrokenDirectory, APoolingModeUfbDoesNotImplement) {
  write("1_Pooling/config.json", R"({"embedding_dimension": 32, "pooling_mode": ["mean", "lasttoken"]})");
  EXPECT_THAT(error(), HasSubstr("pooling_mode \"lasttoken\" is not one ufb runs"));
  write("1_Pooling/config.json", R"({"word_embedding_dimension": 32, "pooling_mode_lasttoken": true})");
  EXPECT_THAT(error(), HasSubstr("pooling_mode_lasttoken is true"));
}

TEST_F(BrokenDirectory, ADenseLayerOfAnotherWidth) {
  write("2_Dense/config.json", R"({"in_features": 64, "out_features": 16, "bias": true})");
  EXPECT_THAT(error(), HasSubstr("in_features 64, out_features 16 do not follow a 32-wide input"));
}

TEST_F(BrokenDirectory, MalformedJson) {
  write("modules.json", "[{");
  EXPECT_THAT(error(), HasSubstr("modules.json: invalid JSON"));
}

TEST_F(BrokenDirectory, LowercasingOutsideTheTokenizer) {
  write("sentence_bert_config.json", R"({"max_seq_length": 12, "do_lower_case": true})");
  EXPECT_THAT(error(), HasSubstr("do_lower_case true is not supported"));
}

}  // namespace
}  // namespace ufb::model

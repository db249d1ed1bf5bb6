// The routes that make `ufb serve` a drop-in for TEI and OpenAI clients: POST / (TEI's
// compatibility route), /embed's dimensions and prompts, /embed_all, /embed_sparse, /similarity,
// /rerank, /decode, /tokenize's fields, /v1/embeddings and /v1/models; answers against the
// server's own /embed, /predict and the CLI, and each route's refusals.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "cli_reference.h"
#include "serve_fixture.h"

namespace ufb::serve_test {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string data_dir(const std::string& relative) { return std::string(UFB_TEST_DATA_DIR) + "/" + relative; }

// The sentence-transformers test model with a prompt added to its config_sentence_transformers.json.
std::string embedding_model_with_prompts() {
  static const std::string dir = [] {
    const fs::path copy = fs::temp_directory_path() / ("ufb_serve_prompts_" + std::to_string(getpid()));
    fs::remove_all(copy);
    fs::copy(data_dir("sentence_transformers/mean_normalize"), copy, fs::copy_options::recursive);
    std::ofstream(copy / "config_sentence_transformers.json") << R"({"prompts": {"query": "query: ", "doc": ""}})";
    return copy.string();
  }();
  return dir;
}

std::unique_ptr<ServerProcess> start(const std::vector<std::string>& args) {
  std::vector<std::string> all = args;
  all.insert(all.end(), {"--threads", "1", "--max-client-batch-size", "4"});
  return std::make_unique<ServerProcess>(all);
}

class DropInTest : public SharedServersTest<DropInTest> {
 public:
  static std::vector<std::unique_ptr<ServerProcess>> start_servers() {
    std::vector<std::unique_ptr<ServerProcess>> servers;
    servers.push_back(start({"--model", embedding_model_with_prompts()}));
    servers.push_back(start({"--model", data_dir("bert/cls_regression"), "--tokenizer",
                             data_dir("sentence_transformers/mean_normalize/tokenizer.json")}));
    servers.push_back(start({"--model", model_dir(kMaskedLm), "--tokenizer", tokenizer_path()}));
    servers.push_back(start({"--model", model_dir(kClassifier), "--tokenizer", tokenizer_path()}));
    return servers;
  }
  static void TearDownTestSuite() {
    SharedServersTest::TearDownTestSuite();
    fs::remove_all(embedding_model_with_prompts());
  }

 protected:
  static int embedding_port() { return port(0); }
  static int cross_encoder_port() { return port(1); }
  static int masked_lm_port() { return port(2); }
  static int classifier_port() { return port(3); }
};

json ok(const HttpResponse& response) {
  EXPECT_EQ(response.status, 200) << response.body;
  return body_json(response);
}

std::vector<float> normalized(std::vector<float> vector) {
  double norm = 0;
  for (const float x : vector) norm += double(x) * x;
  for (float& x : vector) x = static_cast<float>(x / std::sqrt(norm));
  return vector;
}

std::vector<float> from_base64(const std::string& text) {
  auto value = [](char c) -> uint32_t {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
  };
  std::vector<unsigned char> bytes;
  for (size_t i = 0; i + 3 < text.size(); i += 4) {
    const uint32_t chunk = value(text[i]) << 18 | value(text[i + 1]) << 12 | (text[i + 2] == '=' ? 0 : value(text[i + 2]) << 6) |
                           (text[i + 3] == '=' ? 0 : value(text[i + 3]));
    bytes.push_back(static_cast<unsigned char>(chunk >> 16));
    if (text[i + 2] != '=') bytes.push_back(static_cast<unsigned char>(chunk >> 8));
    if (text[i + 3] != '=') bytes.push_back(static_cast<unsigned char>(chunk));
  }
  std::vector<float> values(bytes.size() / 4);
  std::memcpy(values.data(), bytes.data(), values.size() * 4);  // little-endian machines only
  return values;
}

TEST_F(DropInTest, RootOfAnEmbeddingModelIsEmbedAndSimilarityByShape) {
  const json embed = ok(post(embedding_port(), "/embed", R"({"inputs": "paris is big"})"));
  expect_json_near(ok(post(embedding_port(), "/", R"({"inputs": "paris is big"})")), embed);
  const json vectors = ok(post(embedding_port(), "/embed", R"({"inputs": ["paris is big", "rome is old", "big"]})"));
  const json scores = ok(post(embedding_port(), "/similarity",
                              R"({"inputs": {"source_sentence": "paris is big", "sentences": ["rome is old", "big"]}})"));
  ASSERT_EQ(scores.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    double dot = 0;
    for (size_t d = 0; d < vectors[0].size(); ++d) dot += vectors[0][d].get<double>() * vectors[i + 1][d].get<double>();
    EXPECT_NEAR(scores[i].get<double>(), dot, 1e-5);
  }
  expect_json_near(ok(post(embedding_port(), "/",
                           R"({"inputs": {"source_sentence": "paris is big", "sentences": ["rome is old", "big"]}})")),
                   scores);
}

TEST_F(DropInTest, RootOfAClassifierIsPredictOfAMaskedLmIsThePipelinesFillMask) {
  expect_json_near(ok(post(classifier_port(), "/", R"({"inputs": "paris is big"})")),
                   ok(post(classifier_port(), "/predict", R"({"inputs": "paris is big"})")));
  const std::string text = "paris is the [MASK] of france .";
  const json answer = ok(post(masked_lm_port(), "/", json{{"inputs", text}, {"parameters", {{"top_k", 3}}}}.dump()));
  const json cli = cli_fill_mask(kMaskedLm, text, 3).at("masks").at(0).at("predictions");
  ASSERT_EQ(answer.size(), 3u) << answer;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(answer[i].at("token"), cli[i].at("id"));
    EXPECT_NEAR(answer[i].at("score").get<double>(), cli[i].at("probability").get<double>(), 1e-5);
    EXPECT_TRUE(answer[i].at("token_str").is_string());
    EXPECT_EQ(answer[i].at("sequence").get<std::string>().rfind("paris is the ", 0), 0u) << answer[i];
  }
}

TEST_F(DropInTest, EmbedDimensionsTruncatesThenNormalizes) {
  const json full = ok(post(embedding_port(), "/embed", R"({"inputs": "paris is big", "normalize": false})"));
  std::vector<float> head = full[0].get<std::vector<float>>();
  head.resize(16);
  expect_json_near(ok(post(embedding_port(), "/embed", R"({"inputs": "paris is big", "dimensions": 16})")),
                   json::array({normalized(head)}));
  expect_json_near(ok(post(embedding_port(), "/embed", R"({"inputs": "paris is big", "dimensions": 16, "normalize": false})")),
                   json::array({head}));
  expect_error(post(embedding_port(), "/embed", R"({"inputs": "a", "dimensions": 33})"), 422, "Validation",
               "`dimensions` 33 is larger than the model's embedding size 32");
  expect_error(post(embedding_port(), "/embed", R"({"inputs": "a", "dimensions": 0})"), 422, "Validation",
               "`dimensions` must be a positive integer, got 0");
}

TEST_F(DropInTest, PromptNamePrefixesTheModelsPrompt) {
  expect_json_near(ok(post(embedding_port(), "/embed", R"({"inputs": "paris", "prompt_name": "query"})")),
                   ok(post(embedding_port(), "/embed", R"({"inputs": "query: paris"})")));
  expect_error(post(embedding_port(), "/embed", R"({"inputs": "a", "prompt_name": "passage"})"), 422, "Validation",
               "`prompt_name` \"passage\" is not a prompt of this model (its prompts: doc, query");
  expect_error(post(classifier_port(), "/embed", R"({"inputs": "a", "prompt_name": "query"})"), 422, "Validation",
               "it has none");
}

TEST_F(DropInTest, EmbedAllGivesEveryTokensStateWhoseMeanIsTheEmbedding) {
  const json tokens = ok(post(embedding_port(), "/tokenize", R"({"inputs": "paris is big"})"));
  const json states = ok(post(embedding_port(), "/embed_all", R"({"inputs": ["paris is big"]})"));
  ASSERT_EQ(states.size(), 1u);
  ASSERT_EQ(states[0].size(), tokens[0].size());
  std::vector<float> mean(states[0][0].size(), 0.0f);
  for (const json& row : states[0]) {
    for (size_t d = 0; d < mean.size(); ++d) mean[d] += row[d].get<float>() / static_cast<float>(states[0].size());
  }
  expect_json_near(json::array({mean}), ok(post(embedding_port(), "/embed", R"({"inputs": "paris is big", "normalize": false})")));
}

TEST_F(DropInTest, EmbedSparseIsPositiveByIndexAndIndependentOfTheBatch) {
  const json one = ok(post(masked_lm_port(), "/embed_sparse", R"({"inputs": "paris is big"})"));
  const json batch = ok(post(masked_lm_port(), "/embed_sparse", R"({"inputs": ["rome", "paris is big"]})"));
  ASSERT_EQ(one.size(), 1u);
  ASSERT_FALSE(one[0].empty());
  int previous = -1;
  for (const json& entry : one[0]) {
    EXPECT_GT(entry.at("index").get<int>(), previous);
    EXPECT_GT(entry.at("value").get<double>(), 0.0);
    previous = entry.at("index").get<int>();
  }
  expect_json_near(batch[1], one[0]);
  expect_error(post(embedding_port(), "/embed_sparse", R"({"inputs": "a"})"), 400, "Validation",
               "/embed_sparse needs a masked-LM model");
}

TEST_F(DropInTest, RerankScoresEachPairWithTheCrossEncoderBestFirst) {
  const std::vector<std::string> texts = {"paris is big", "rome", "it is old"};
  std::vector<double> logits;
  for (const std::string& text : texts) {
    const json scores = ok(post(cross_encoder_port(), "/predict",
                                json{{"inputs", json::array({"where is paris", text})}, {"raw_scores", true}}.dump()));
    logits.push_back(scores.at(0).at("score").get<double>());
  }
  const json ranked = ok(post(cross_encoder_port(), "/rerank",
                              json{{"query", "where is paris"}, {"texts", texts}, {"return_text", true}}.dump()));
  ASSERT_EQ(ranked.size(), 3u);
  for (size_t i = 0; i < ranked.size(); ++i) {
    const size_t index = ranked[i].at("index").get<size_t>();
    EXPECT_NEAR(ranked[i].at("score").get<double>(), 1.0 / (1.0 + std::exp(-logits[index])), 1e-5);
    EXPECT_EQ(ranked[i].at("text"), texts[index]);
    if (i > 0) {
      EXPECT_GE(ranked[i - 1].at("score").get<double>(), ranked[i].at("score").get<double>());
    }
  }
  const json raw = ok(post(cross_encoder_port(), "/",
                           json{{"query", "where is paris"}, {"texts", texts}, {"raw_scores", true}}.dump()));
  EXPECT_FALSE(raw.at(0).contains("text"));
  EXPECT_NEAR(raw.at(0).at("score").get<double>(), logits[raw.at(0).at("index").get<size_t>()], 1e-5);
  expect_error(post(classifier_port(), "/rerank", R"({"query": "a", "texts": ["b"]})"), 400, "Validation",
               "a classification model with one label");
}

TEST_F(DropInTest, TokenizeFieldsAndDecodeRoundTrip) {
  const json tokens = ok(post(masked_lm_port(), "/tokenize", R"({"inputs": "Paris is big"})"))[0];
  ASSERT_EQ(tokens.size(), 5u) << tokens;
  // As TEI: a special token the template added has no offsets; the others have their text as
  // typed (not as normalized) and its byte offsets.
  EXPECT_EQ(tokens[0].at("special"), true);
  EXPECT_EQ(tokens[0].at("start"), nullptr);
  EXPECT_EQ(tokens[0].at("text"), "[CLS]");
  EXPECT_EQ(tokens[1].at("special"), false);
  EXPECT_EQ(tokens[1].at("text"), "Paris");
  EXPECT_EQ(tokens[1].at("start"), 0);
  EXPECT_EQ(tokens[1].at("stop"), 5);
  EXPECT_EQ(tokens[3].at("start"), 9);
  EXPECT_EQ(tokens[3].at("stop"), 12);
  const json bare = ok(post(masked_lm_port(), "/tokenize", R"({"inputs": "Paris is big", "add_special_tokens": false})"))[0];
  ASSERT_EQ(bare.size(), 3u) << bare;
  EXPECT_EQ(bare[0].at("id"), tokens[1].at("id"));
  json ids = json::array();
  for (const json& token : tokens) ids.push_back(token.at("id"));
  EXPECT_EQ(ok(post(masked_lm_port(), "/decode", json{{"ids", ids}}.dump())), json::array({"paris is big"}));
  EXPECT_EQ(ok(post(masked_lm_port(), "/decode", json{{"ids", json::array({ids})}, {"skip_special_tokens", false}}.dump())),
            json::array({"[CLS] paris is big [SEP]"}));
  expect_error(post(masked_lm_port(), "/decode", R"({"ids": [100000]})"), 422, "Validation", "outside the vocabulary");
}

TEST_F(DropInTest, OpenAiEmbeddingsEqualEmbedAsFloatsBase64AndTokenIds) {
  const json embed = ok(post(embedding_port(), "/embed", R"({"inputs": ["paris is big", "rome"]})"));
  const json answer = ok(post(embedding_port(), "/v1/embeddings", R"({"model": "m", "input": ["paris is big", "rome"]})"));
  EXPECT_EQ(answer.at("object"), "list");
  EXPECT_EQ(answer.at("model"), "m");
  ASSERT_EQ(answer.at("data").size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(answer["data"][i].at("index"), i);
    EXPECT_EQ(answer["data"][i].at("object"), "embedding");
    expect_json_near(answer["data"][i].at("embedding"), embed[i]);
  }
  const json tokens = ok(post(embedding_port(), "/tokenize", R"({"inputs": ["paris is big", "rome"]})"));
  const size_t token_count = tokens[0].size() + tokens[1].size();
  EXPECT_EQ(answer.at("usage"), (json{{"prompt_tokens", token_count}, {"total_tokens", token_count}}));

  const json base64 = ok(post(embedding_port(), "/v1/embeddings", R"({"input": "rome", "encoding_format": "base64"})"));
  expect_json_near(json(from_base64(base64["data"][0].at("embedding").get<std::string>())), embed[1]);

  json ids = json::array();
  for (const json& token : tokens[1]) ids.push_back(token.at("id"));
  expect_json_near(ok(post(embedding_port(), "/v1/embeddings", json{{"input", json::array({ids})}}.dump()))["data"][0]["embedding"],
                   embed[1]);
  expect_json_near(ok(post(embedding_port(), "/v1/embeddings", json{{"input", ids}}.dump()))["data"][0]["embedding"], embed[1]);

  const json short_answer = ok(post(embedding_port(), "/v1/embeddings", R"({"input": "rome", "dimensions": 8})"));
  std::vector<float> head = ok(post(embedding_port(), "/embed", R"({"inputs": "rome", "normalize": false})"))[0];
  head.resize(8);
  expect_json_near(short_answer["data"][0]["embedding"], json(normalized(head)));

  const json models = ok(get(embedding_port(), "/v1/models"));
  EXPECT_EQ(models.at("object"), "list");
  EXPECT_EQ(models.at("data").at(0).at("object"), "model");
}

void expect_openai_error(const HttpResponse& response, int status, const std::string& message) {
  EXPECT_EQ(response.status, status) << response.body;
  const json body = body_json(response);
  ASSERT_TRUE(body.contains("error") && body["error"].is_object()) << response.body;
  EXPECT_EQ(body["error"].value("type", ""), "invalid_request_error") << response.body;
  EXPECT_TRUE(body["error"].contains("param") && body["error"].contains("code")) << response.body;
  EXPECT_NE(body["error"].value("message", "").find(message), std::string::npos) << response.body;
}

TEST_F(DropInTest, OpenAiErrorsHaveOpenAisShape) {
  const int port = embedding_port();
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": 3})"), 422, "`input` must be a string");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": ["a", 3]})"), 422, "`input[1]` must be a string");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": [1, -2]})"), 422, "`input[1]` must be a token id");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": "a", "encoding_format": "int8"})"), 422,
                      "`encoding_format` must be");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": ["a", "b", "c", "d", "e"]})"), 413, "batch size 5 >");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": []})"), 400, "`input` cannot be empty");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": [[]]})"), 400, "cannot be empty");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": [100000]})"), 422, "outside the model's vocabulary");
  expect_openai_error(post(port, "/v1/embeddings", R"({"input": "a", "dimensions": 64})"), 422, "larger than");
  expect_openai_error(post(port, "/v1/embeddings", "{"), 422, "malformed JSON");
}

TEST_F(DropInTest, NewRoutesRefuseWrongTypesEmptyInputsAndTooManyInputs) {
  const int port = embedding_port();
  expect_error(post(port, "/similarity", R"({"inputs": "a"})"), 422, "Validation", "`inputs` must be an object");
  expect_error(post(port, "/similarity", R"({"inputs": {"source_sentence": "a", "sentences": [1]}})"), 422, "Validation",
               "`sentences[0]` must be a string, got number");
  expect_error(post(port, "/similarity", R"({"inputs": {"source_sentence": "a", "sentences": []}})"), 400, "Empty",
               "`sentences` cannot be empty");
  expect_error(post(port, "/similarity", R"({"inputs": {"source_sentence": "a", "sentences": ["b", "c", "d", "e"]}})"), 413,
               "Validation", "batch size 5 > maximum allowed batch size 4");
  expect_error(post(cross_encoder_port(), "/rerank", R"({"query": 1, "texts": ["a"]})"), 422, "Validation",
               "`query` must be a string, got number");
  expect_error(post(cross_encoder_port(), "/rerank", R"({"query": "q", "texts": []})"), 400, "Empty", "`texts` cannot be empty");
  expect_error(post(cross_encoder_port(), "/rerank", R"({"query": "q", "texts": ["a", "b", "c", "d", "e"]})"), 413,
               "Validation", "batch size 5 >");
  expect_error(post(cross_encoder_port(), "/rerank", R"({"query": "q", "texts": ["a"], "return_text": 1})"), 422,
               "Validation", "`return_text` must be a boolean");
  expect_error(post(port, "/embed_all", R"({"inputs": 3})"), 422, "Validation", "`inputs` must be a string");
  expect_error(post(port, "/embed_all", R"({"inputs": []})"), 400, "Empty", "`inputs` cannot be empty");
  expect_error(post(port, "/embed_all", R"({"inputs": ["a", "b", "c", "d", "e"]})"), 413, "Validation", "batch size 5 >");
  expect_error(post(masked_lm_port(), "/embed_sparse", R"({"inputs": [1]})"), 422, "Validation", "`inputs[0]` must be a string");
  expect_error(post(masked_lm_port(), "/embed_sparse", R"({"inputs": []})"), 400, "Empty", "cannot be empty");
  expect_error(post(masked_lm_port(), "/embed_sparse", R"({"inputs": ["a", "b", "c", "d", "e"]})"), 413, "Validation",
               "batch size 5 >");
  expect_error(post(port, "/decode", R"({"ids": "a"})"), 422, "Validation", "`ids` must be an array");
  expect_error(post(port, "/decode", R"({"ids": []})"), 400, "Empty", "`ids` cannot be empty");
  expect_error(post(port, "/decode", R"({"ids": [[1], [2], [3], [4], [5]]})"), 413, "Validation", "batch size 5 >");
  expect_error(post(port, "/tokenize", R"({"inputs": "a", "add_special_tokens": "no"})"), 422, "Validation",
               "`add_special_tokens` must be a boolean");
  expect_error(post(port, "/", R"({"inputs": 3})"), 422, "Validation", "`inputs` must be a string");
  expect_error(post(port, "/", R"({"inputs": []})"), 400, "Empty", "`inputs` cannot be empty");
  expect_error(post(masked_lm_port(), "/", R"({"inputs": ["a", "b", "c", "d", "e"]})"), 413, "Validation", "batch size 5 >");
  expect_error(post(port, "/embed", R"({"inputs": "a", "dimensions": "8"})"), 422, "Validation", "`dimensions` must be");
  expect_error(http_request(port, "GET", "/v1/embeddings"), 405, "MethodNotAllowed", "use POST");
}

}  // namespace
}  // namespace ufb::serve_test

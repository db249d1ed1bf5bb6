// Every route of `ufb serve` answers as the CLI does for the same texts, in TEI's JSON shapes.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <numeric>

#include "cli_reference.h"
#include "serve_fixture.h"

namespace ufb::serve_test {
namespace {

using nlohmann::json;

class RoutesTest : public SharedServersTest<RoutesTest> {
 public:
  static std::vector<std::unique_ptr<ServerProcess>> start_servers() {
    std::vector<std::unique_ptr<ServerProcess>> servers;
    servers.push_back(start_server(kClassifier));
    servers.push_back(start_server(kMaskedLm));
    return servers;
  }

 protected:
  static int classifier_port() { return port(0); }
  static int masked_lm_port() { return port(1); }
};

// TEI's /predict answer for one input: every label with its score, best first.
json expected_label_scores(const json& cli_answer, const char* field) {
  const std::vector<float> scores = cli_answer.at(field).get<std::vector<float>>();
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  json answer = json::array();
  for (const size_t label : order) answer.push_back({{"label", "LABEL_" + std::to_string(label)}, {"score", scores[label]}});
  return answer;
}

TEST_F(RoutesTest, EmbedOneTextEqualsTheCliNormalizedByDefault) {
  const std::string text = "paris is the capital of france .";
  const HttpResponse response = post(classifier_port(), "/embed", json{{"inputs", text}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  expect_json_near(body_json(response), json(cli_embeddings(kClassifier, {text}, true)));
}

TEST_F(RoutesTest, EmbedBatchWithoutNormalizeEqualsTheCli) {
  const std::vector<std::string> texts = {"rome is old", "berlin", "it has many people", "a small city in europe"};
  const HttpResponse response = post(classifier_port(), "/embed", json{{"inputs", texts}, {"normalize", false}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  expect_json_near(body_json(response), json(cli_embeddings(kClassifier, texts, false)));
}

TEST_F(RoutesTest, EmbedTruncatesLikeTheCliWhenAsked) {
  const std::string text = "paris is big big big big big big big big big big big and old";
  const HttpResponse response = post(classifier_port(), "/embed", json{{"inputs", text}, {"truncate", true}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  expect_json_near(body_json(response), json(cli_embeddings(kClassifier, {text}, true)));
}

TEST_F(RoutesTest, PredictOneTextGivesEveryLabelBestFirstAsTheCli) {
  const std::string text = "paris is big";
  const HttpResponse response = post(classifier_port(), "/predict", json{{"inputs", text}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  expect_json_near(body_json(response), expected_label_scores(cli_classification(kClassifier, text), "probabilities"));
}

TEST_F(RoutesTest, PredictTwoStringsIsOnePair) {
  const HttpResponse response = post(classifier_port(), "/predict", R"({"inputs": ["paris is big", "rome is old"]})");
  ASSERT_EQ(response.status, 200) << response.body;
  expect_json_near(body_json(response),
                   expected_label_scores(cli_classification(kClassifier, "paris is big\trome is old"), "probabilities"));
}

TEST_F(RoutesTest, PredictBatchOfTextsAndPairsWithRawScores) {
  const json inputs = json::array({"berlin is a city", json::array({"rome", "italy"}), "it has many people"});
  const HttpResponse response =
      post(classifier_port(), "/predict", json{{"inputs", inputs}, {"raw_scores", true}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  const json expected = json::array({expected_label_scores(cli_classification(kClassifier, "berlin is a city"), "logits"),
                                     expected_label_scores(cli_classification(kClassifier, "rome\titaly"), "logits"),
                                     expected_label_scores(cli_classification(kClassifier, "it has many people"), "logits")});
  expect_json_near(body_json(response), expected);
}

TEST_F(RoutesTest, TokenizeGivesEachInputsTokens) {
  const HttpResponse response = post(classifier_port(), "/tokenize", R"({"inputs": ["paris is big", "rome"]})");
  ASSERT_EQ(response.status, 200) << response.body;
  const json expected = json::parse(R"([
    [{"id": 2, "text": "[CLS]", "special": true, "start": null, "stop": null},
     {"id": 5, "text": "paris", "special": false, "start": 0, "stop": 5},
     {"id": 6, "text": "is", "special": false, "start": 6, "stop": 8},
     {"id": 20, "text": "big", "special": false, "start": 9, "stop": 12},
     {"id": 3, "text": "[SEP]", "special": true, "start": null, "stop": null}],
    [{"id": 2, "text": "[CLS]", "special": true, "start": null, "stop": null},
     {"id": 18, "text": "rome", "special": false, "start": 0, "stop": 4},
     {"id": 3, "text": "[SEP]", "special": true, "start": null, "stop": null}]])");
  EXPECT_EQ(body_json(response), expected);
}

TEST_F(RoutesTest, FillMaskEqualsTheCli) {
  const std::string text = "paris is the [MASK] of france .";
  const HttpResponse response = post(masked_lm_port(), "/fill-mask", json{{"inputs", text}, {"top_k", 3}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  expect_json_near(body_json(response), json{{"masks", cli_fill_mask(kMaskedLm, text, 3).at("masks")}});
}

TEST_F(RoutesTest, FillMaskBatchAnswersEachInput) {
  const std::vector<std::string> texts = {"[MASK] is a city", "rome is [MASK] and [MASK]"};
  const HttpResponse response = post(masked_lm_port(), "/fill-mask", json{{"inputs", texts}}.dump());
  ASSERT_EQ(response.status, 200) << response.body;
  const json expected = json::array({json{{"masks", cli_fill_mask(kMaskedLm, texts[0], 5).at("masks")}},
                                     json{{"masks", cli_fill_mask(kMaskedLm, texts[1], 5).at("masks")}}});
  expect_json_near(body_json(response), expected);
}

TEST_F(RoutesTest, InfoNamesTheModelAndEveryLimit) {
  const HttpResponse response = get(classifier_port(), "/info");
  ASSERT_EQ(response.status, 200) << response.body;
  const json info = body_json(response);
  EXPECT_EQ(info.at("model_id"), kClassifier);
  EXPECT_EQ(info.at("model_dtype"), "f32");
  EXPECT_EQ(info.at("max_input_length"), 12);  // the model's max_seq_length
  EXPECT_EQ(info.at("max_batch_tokens"), 16384);
  EXPECT_EQ(info.at("max_concurrent_requests"), 512);
  EXPECT_EQ(info.at("max_client_batch_size"), 32);
  EXPECT_EQ(info.at("payload_limit"), 2000000);
  // The tiny classifier's float32 weights: its file's bytes, less the header, plus whatever
  // padding the kernels' blocked layouts add.
  const auto file_bytes = static_cast<int64_t>(std::filesystem::file_size(
      std::filesystem::path(model_dir(kClassifier)) / "model.safetensors"));
  EXPECT_GE(info.at("weight_bytes").get<int64_t>(), file_bytes / 2);
  EXPECT_LE(info.at("weight_bytes").get<int64_t>(), 2 * file_bytes);
  EXPECT_EQ(info.at("model_type").at("classifier").at("id2label"),
            json::parse(R"({"0": "LABEL_0", "1": "LABEL_1", "2": "LABEL_2"})"));
}

TEST_F(RoutesTest, HealthAnswers200) {
  EXPECT_EQ(get(classifier_port(), "/health").status, 200);
  EXPECT_EQ(http_request(classifier_port(), "HEAD", "/health").status, 200);
}

TEST_F(RoutesTest, MetricsCountRequestsByRouteAndStatusAndReportBatches) {
  ASSERT_EQ(post(masked_lm_port(), "/embed", R"({"inputs": "rome"})").status, 200);
  ASSERT_EQ(post(masked_lm_port(), "/embed", R"({"inputs": 1})").status, 422);
  const HttpResponse response = get(masked_lm_port(), "/metrics");
  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << response.headers;
  for (const std::string line :
       {"ufb_requests_total{route=\"/embed\",status=\"422\"} ", "ufb_requests_total{route=\"/embed\",status=\"200\"} ",
        "ufb_request_duration_seconds_bucket{route=\"/embed\",le=\"+Inf\"} ", "ufb_batch_inputs_bucket{le=\"1\"} ",
        "ufb_batch_padded_tokens_count ", "\nufb_queue_inputs 0\n", "\nufb_requests_in_flight 0\n"}) {
    EXPECT_NE(response.body.find(line), std::string::npos) << line << " missing from\n" << response.body;
  }
}

}  // namespace
}  // namespace ufb::serve_test

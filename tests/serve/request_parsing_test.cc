// The request-body parsers alone: TEI's input shapes, defaults, and each refusal's status.
#include "request_parsing.h"

#include <gtest/gtest.h>

namespace ufb::serve {
namespace {

template <typename Request>
Request accepted(const Parsed<Request>& parsed) {
  if (const ApiError* error = std::get_if<ApiError>(&parsed)) ADD_FAILURE() << error->status << " " << error->message;
  return std::holds_alternative<Request>(parsed) ? std::get<Request>(parsed) : Request{};
}

template <typename Request>
ApiError refused(const Parsed<Request>& parsed) {
  EXPECT_TRUE(std::holds_alternative<ApiError>(parsed)) << "the body was accepted";
  return std::holds_alternative<ApiError>(parsed) ? std::get<ApiError>(parsed) : ApiError{};
}

TEST(RequestParsingTest, EmbedTakesOneTextOrABatchWithTeiDefaults) {
  const EmbedRequest one = accepted(parse_embed_request(R"({"inputs": "a b", "extra": [1]})", {}));
  ASSERT_EQ(one.inputs.size(), 1u);
  EXPECT_EQ(one.inputs[0].text, "a b");
  EXPECT_FALSE(one.batched);
  EXPECT_TRUE(one.normalize);
  EXPECT_FALSE(one.truncate);
  const EmbedRequest batch =
      accepted(parse_embed_request(R"({"inputs": ["a", "b"], "normalize": false, "truncate": null})", {}));
  EXPECT_EQ(batch.inputs.size(), 2u);
  EXPECT_TRUE(batch.batched);
  EXPECT_FALSE(batch.normalize);
  EXPECT_FALSE(batch.truncate);
}

TEST(RequestParsingTest, PredictReadsTwoStringsAsAPairAndOtherArraysAsBatches) {
  const PredictRequest pair = accepted(parse_predict_request(R"({"inputs": ["a", "b"]})", {}));
  ASSERT_EQ(pair.inputs.size(), 1u);
  EXPECT_FALSE(pair.batched);
  EXPECT_EQ(pair.inputs[0].text_pair, "b");
  const PredictRequest batch = accepted(parse_predict_request(R"({"inputs": ["a", ["b", ""], "c"], "raw_scores": true})", {}));
  ASSERT_EQ(batch.inputs.size(), 3u);
  EXPECT_TRUE(batch.batched);
  EXPECT_TRUE(batch.raw_scores);
  EXPECT_FALSE(batch.inputs[0].is_pair());
  EXPECT_EQ(batch.inputs[1].text_pair, "");  // an empty second text is still a pair
  const PredictRequest one_pair = accepted(parse_predict_request(R"({"inputs": [["a", "b"]]})", {}));
  EXPECT_TRUE(one_pair.batched);
  EXPECT_TRUE(one_pair.inputs.at(0).is_pair());
}

TEST(RequestParsingTest, FillMaskTopKMustBeInRange) {
  EXPECT_EQ(accepted(parse_fill_mask_request(R"({"inputs": "x", "top_k": 1000})", {})).top_k, 1000);
  EXPECT_EQ(accepted(parse_fill_mask_request(R"({"inputs": "x"})", {})).top_k, 5);
  for (const char* body : {R"({"inputs": "x", "top_k": 1001})", R"({"inputs": "x", "top_k": -1})",
                           R"({"inputs": "x", "top_k": 2.5})", R"({"inputs": "x", "top_k": 18446744073709551615})"}) {
    const ApiError error = refused(parse_fill_mask_request(body, {}));
    EXPECT_EQ(error.status, 422) << body;
    EXPECT_NE(error.message.find("`top_k` must be an integer from 1 to 1000"), std::string::npos) << error.message;
  }
}

TEST(RequestParsingTest, EachRefusalHasItsStatus) {
  BodyLimits limits;
  limits.max_client_batch_size = 2;
  EXPECT_EQ(refused(parse_embed_request(R"({"inputs": ["a", "b", "c"]})", limits)).status, 413);
  EXPECT_EQ(refused(parse_embed_request(R"({"inputs": []})", limits)).status, 400);
  EXPECT_EQ(refused(parse_embed_request(R"({"inputs": "a")", limits)).status, 422);
  EXPECT_EQ(refused(parse_embed_request("\xEF\xBB\xBF{\"inputs\": \"\xED\xA0\x80\"}", limits)).status, 422);
  EXPECT_EQ(refused(parse_tokenize_request(R"({"inputs": {"text": "a"}})", limits)).status, 422);
  EXPECT_EQ(refused(parse_predict_request(R"({"inputs": [1]})", limits)).status, 422);
}

TEST(RequestParsingTest, NestingIsLimitedBeforeAnythingIsBuilt) {
  BodyLimits limits;
  limits.max_json_depth = 3;
  EXPECT_EQ(accepted(parse_predict_request(R"({"inputs": [["a", "b"]]})", limits)).inputs.size(), 1u);
  const ApiError error = refused(parse_predict_request(R"({"inputs": [[["a", "b"]]]})", limits));
  EXPECT_EQ(error.status, 422);
  EXPECT_EQ(error.message, "JSON nested deeper than 3 levels: no route takes such a body");
}

TEST(RequestParsingTest, ErrorBodiesStayValidJsonWhateverTheMessageHolds) {
  const std::string body = error_body(ApiError{422, "Validation", "bad byte \xFF here"});
  EXPECT_EQ(body, "{\"error\":\"bad byte \xEF\xBF\xBD here\",\"error_type\":\"Validation\"}");
}

TEST(RequestParsingTest, EmbedReadsDimensionsAndPromptName) {
  const EmbedRequest request = accepted(parse_embed_request(R"({"inputs": "a", "dimensions": 8, "prompt_name": "query"})", {}));
  EXPECT_EQ(request.dimensions, 8);
  EXPECT_EQ(request.prompt_name, "query");
  EXPECT_FALSE(accepted(parse_embed_request(R"({"inputs": "a", "dimensions": null})", {})).dimensions);
  for (const char* body : {R"({"inputs": "a", "dimensions": 0})", R"({"inputs": "a", "dimensions": 1.5})",
                           R"({"inputs": "a", "dimensions": 18446744073709551615})", R"({"inputs": "a", "dimensions": "8"})"}) {
    EXPECT_EQ(refused(parse_embed_request(body, {})).status, 422) << body;
  }
  EXPECT_EQ(refused(parse_embed_request(R"({"inputs": "a", "prompt_name": 1})", {})).status, 422);
}

TEST(RequestParsingTest, SimilarityCountsTheSourceAgainstTheBatchLimit) {
  const SimilarityRequest request =
      accepted(parse_similarity_request(R"({"inputs": {"source_sentence": "s", "sentences": ["a", "b"]}})", {}));
  EXPECT_EQ(request.source_sentence, "s");
  EXPECT_EQ(request.sentences.size(), 2u);
  EXPECT_EQ(refused(parse_similarity_request(R"({"inputs": {"source_sentence": "s", "sentences": ["a", "b"]}})", {2})).status, 413);
  EXPECT_EQ(refused(parse_similarity_request(R"({"inputs": {"sentences": ["a"]}})", {})).status, 422);
}

TEST(RequestParsingTest, RerankAndDecodeShapes) {
  const RerankRequest rerank = accepted(parse_rerank_request(R"({"query": "q", "texts": ["a"], "return_text": true})", {}));
  EXPECT_TRUE(rerank.return_text);
  EXPECT_FALSE(rerank.raw_scores);
  const DecodeRequest one = accepted(parse_decode_request(R"({"ids": [1, 2]})", {}));
  EXPECT_FALSE(one.batched);
  EXPECT_TRUE(one.skip_special_tokens);
  const DecodeRequest batch = accepted(parse_decode_request(R"({"ids": [[1], [2, 3]], "skip_special_tokens": false})", {}));
  EXPECT_TRUE(batch.batched);
  EXPECT_EQ(batch.ids.at(1), (std::vector<int32_t>{2, 3}));
  EXPECT_EQ(refused(parse_decode_request(R"({"ids": [1, 2147483648]})", {})).status, 422);
  EXPECT_EQ(refused(parse_decode_request(R"({"ids": [[1], []]})", {})).status, 400);
}

TEST(RequestParsingTest, OpenAiInputIsTextsOrTokenIds) {
  EXPECT_EQ(accepted(parse_openai_embeddings_request(R"({"input": "a"})", {})).texts.size(), 1u);
  EXPECT_EQ(accepted(parse_openai_embeddings_request(R"({"input": ["a", "b"], "model": "m"})", {})).model, "m");
  EXPECT_EQ(accepted(parse_openai_embeddings_request(R"({"input": [1, 2, 3]})", {})).token_ids,
            (std::vector<std::vector<int32_t>>{{1, 2, 3}}));
  EXPECT_EQ(accepted(parse_openai_embeddings_request(R"({"input": [[1], [2]]})", {})).token_ids.size(), 2u);
  EXPECT_TRUE(accepted(parse_openai_embeddings_request(R"({"input": "a", "encoding_format": "base64"})", {})).base64);
  EXPECT_EQ(refused(parse_openai_embeddings_request(R"({"input": [true]})", {})).status, 422);
  EXPECT_EQ(refused(parse_openai_embeddings_request(R"({"input": ["a", [1]]})", {})).status, 422);
  EXPECT_EQ(refused(parse_openai_embeddings_request(R"({"inputs": "a"})", {})).message, "missing field `input`");
}

// Found by the serve_request fuzz target: nlohmann throws out_of_range, not parse_error, for
// a number beyond double's range, which reached the server's exception handler as a 500.
TEST(RequestParsingTest, NumberOutOfRangeIs422) {
  const ApiError error = refused(parse_embed_request(R"({"inputs": "a", "dimensions": 1e999})", {}));
  EXPECT_EQ(error.status, 422);
  EXPECT_EQ(error.message, "malformed JSON: a number is out of range");
}

TEST(RequestParsingTest, CompatBodiesAreClassifiedByShape) {
  EXPECT_EQ(classify_compat_body(R"({"inputs": "a"})", {}), CompatBody::texts);
  EXPECT_EQ(classify_compat_body(R"({"inputs": {"source_sentence": "a", "sentences": []}})", {}), CompatBody::similarity);
  EXPECT_EQ(classify_compat_body(R"({"query": "q", "texts": []})", {}), CompatBody::rerank);
  EXPECT_EQ(classify_compat_body("not json", {}), CompatBody::texts);
}

}  // namespace
}  // namespace ufb::serve

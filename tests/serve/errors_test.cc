// Every error status of `ufb serve`, each with TEI's body and a message that says what is wrong.
#include <gtest/gtest.h>

#include "serve_fixture.h"

namespace ufb::serve_test {
namespace {

class ErrorsTest : public SharedServersTest<ErrorsTest> {
 public:
  static std::vector<std::unique_ptr<ServerProcess>> start_servers() {
    std::vector<std::unique_ptr<ServerProcess>> servers;
    servers.push_back(start_server(kClassifier, {"--payload-limit", "100000", "--max-client-batch-size", "4"}));
    servers.push_back(start_server(kMaskedLm, {"--api-key", "s3cret"}));
    return servers;
  }

 protected:
  static int port() { return SharedServersTest::port(0); }
  static int keyed_port() { return SharedServersTest::port(1); }
};

TEST_F(ErrorsTest, MalformedJsonIs422) {
  expect_error(post(port(), "/embed", R"({"inputs": "paris")"), 422, "Validation", "malformed JSON: parse error at line 1");
  expect_error(post(port(), "/embed", ""), 422, "Validation", "the request body is empty");
  expect_error(post(port(), "/embed", R"(["paris"])"), 422, "Validation", "expected a JSON object, got array");
}

TEST_F(ErrorsTest, WrongTypesAre422) {
  expect_error(post(port(), "/embed", R"({"inputs": 3})"), 422, "Validation",
               "`inputs` must be a string or an array of strings, got number");
  expect_error(post(port(), "/embed", R"({"inputs": ["a", null]})"), 422, "Validation", "`inputs[1]` must be a string, got null");
  expect_error(post(port(), "/embed", R"({"inputs": "a", "normalize": "yes"})"), 422, "Validation",
               "`normalize` must be a boolean, got string");
  expect_error(post(port(), "/predict", R"({"inputs": [["a", "b", "c"]]})"), 422, "Validation",
               "`inputs[0]` must be a string or a [text, text_pair] array of two strings");
  expect_error(http_request(keyed_port(), "POST", "/fill-mask", R"({"inputs": "[MASK]", "top_k": 0})",
                            "Authorization: Bearer s3cret\r\n"),
               422, "Validation", "`top_k` must be an integer from 1 to 1000, got 0");
  expect_error(post(port(), "/tokenize", R"({"text": "a"})"), 422, "Validation", "missing field `inputs`");
}

TEST_F(ErrorsTest, EmptyInputsAre400) {
  expect_error(post(port(), "/embed", R"({"inputs": []})"), 400, "Empty", "`inputs` cannot be empty");
}

TEST_F(ErrorsTest, InputOverTheLengthLimitIs413UnlessTruncated) {
  const std::string body = R"({"inputs": ["rome", "paris is big big big big big big big big big big big"]})";
  expect_error(post(port(), "/embed", body), 413, "Validation",
               "input 2 has 15 tokens, more than the maximum input length 12: shorten it or send \"truncate\": true");
  expect_error(post(port(), "/predict", R"({"inputs": ["rome", "paris is big big big big big big big big big big big", "x"]})"),
               413, "Validation", "input 2 has 15 tokens");
  EXPECT_EQ(post(port(), "/embed", body.substr(0, body.size() - 1) + R"(, "truncate": true})").status, 200);
}

TEST_F(ErrorsTest, MoreInputsThanTheClientBatchSizeIs413) {
  expect_error(post(port(), "/embed", R"({"inputs": ["a", "b", "c", "d", "e"]})"), 413, "Validation",
               "batch size 5 > maximum allowed batch size 4");
}

TEST_F(ErrorsTest, BodyOverThePayloadLimitIs413) {
  const std::string body = R"({"inputs": ")" + std::string(200000, 'a') + R"("})";
  expect_error(post(port(), "/embed", body), 413, "Validation",
               "the request body is larger than the payload limit of 100000 bytes");
  EXPECT_EQ(get(port(), "/health").status, 200);
}

TEST_F(ErrorsTest, InvalidUtf8Is422) {
  expect_error(post(port(), "/embed", "{\"inputs\": \"par\xFFis\"}"), 422, "Validation",
               "the request body is not valid UTF-8 JSON text (near byte 16)");
  expect_error(post(port(), "/embed", "{\"inputs\": \"\xC3\"}"), 422, "Validation", "not valid UTF-8");
  expect_error(post(port(), "/embed", R"({"inputs": "\udc00"})"), 422, "Validation", "not valid UTF-8");
}

TEST_F(ErrorsTest, DeeplyNestedJsonIs422) {
  expect_error(post(port(), "/embed", std::string(100000, '[')), 422, "Validation", "JSON nested deeper than 8 levels");
  expect_error(post(port(), "/embed", R"({"inputs": "a", "x": )" + std::string(50, '[') + std::string(50, ']') + "}"), 422,
               "Validation", "JSON nested deeper than 8 levels");
}

TEST_F(ErrorsTest, UnknownRouteIs404) {
  expect_error(get(port(), "/embeddings"), 404, "NotFound", "no route GET /embeddings");
  expect_error(post(port(), "/v1/embed", "{}"), 404, "NotFound", "no route POST /v1/embed");
}

TEST_F(ErrorsTest, WrongMethodIs405WithAllow) {
  const HttpResponse get_embed = get(port(), "/embed");
  expect_error(get_embed, 405, "MethodNotAllowed", "GET /embed is not allowed: use POST");
  EXPECT_NE(get_embed.headers.find("Allow: POST"), std::string::npos) << get_embed.headers;
  expect_error(http_request(port(), "DELETE", "/health"), 405, "MethodNotAllowed", "use GET, HEAD");
}

TEST_F(ErrorsTest, RouteTheModelCannotServeIs400) {
  expect_error(post(port(), "/fill-mask", R"({"inputs": "[MASK]"})"), 400, "Validation",
               "/fill-mask needs a masked-LM model, and this server runs a classification model");
  expect_error(http_request(keyed_port(), "POST", "/predict", R"({"inputs": "a"})", "Authorization: Bearer s3cret\r\n"), 400, "Validation",
               "/predict needs a classification model");
}

TEST_F(ErrorsTest, FillMaskWithoutMaskIs422) {
  expect_error(http_request(keyed_port(), "POST", "/fill-mask", R"({"inputs": ["[MASK] city", "no mask"]})",
                            "Authorization: Bearer s3cret\r\n"),
               422, "Validation", "input 2 has no [MASK] token");
}

TEST_F(ErrorsTest, MissingOrWrongApiKeyIs401) {
  const std::string body = R"({"inputs": "rome"})";
  expect_error(post(keyed_port(), "/embed", body), 401, "Unauthorized", "missing or wrong API key");
  expect_error(http_request(keyed_port(), "POST", "/embed", body, "Authorization: Bearer s3cre\r\n"), 401, "Unauthorized",
               "'Authorization: Bearer KEY'");
  expect_error(http_request(keyed_port(), "POST", "/embed", body, "Authorization: Bearer s3cretX\r\n"), 401, "Unauthorized",
               "missing or wrong API key");
  expect_error(get(keyed_port(), "/metrics"), 401, "Unauthorized", "missing or wrong API key");
  EXPECT_EQ(http_request(keyed_port(), "POST", "/embed", body, "Authorization: Bearer s3cret\r\n").status, 200);
  EXPECT_EQ(get(keyed_port(), "/health").status, 200);  // load balancers probe without the key
}

}  // namespace
}  // namespace ufb::serve_test

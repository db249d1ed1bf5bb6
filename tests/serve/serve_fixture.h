#pragma once

// Servers shared by the tests of one suite (starting one costs a model load), and helpers to
// read their answers.

#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http_client.h"
#include "server_process.h"

namespace ufb::serve_test {

inline constexpr const char* kClassifier = "fff_cls_avg";  // classification head, `avg` pooler
inline constexpr const char* kMaskedLm = "fff_mlm";

// `ufb serve --model MODEL --tokenizer ... --threads 1 EXTRA...`; one model thread keeps the
// tests cheap on small machines and lets ThreadSanitizer see all the server's threads.
std::unique_ptr<ServerProcess> start_server(const std::string& model, const std::vector<std::string>& extra = {});

// A suite whose servers start once for all its tests: `Suite::start_servers()` returns them,
// `port(i)` is the i-th one's.
template <typename Suite>
class SharedServersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { servers_ = Suite::start_servers(); }
  static void TearDownTestSuite() { servers_.clear(); }
  static int port(size_t server) { return servers_.at(server)->port(); }

 private:
  static inline std::vector<std::unique_ptr<ServerProcess>> servers_;
};

// The JSON body of an answer (a failed expectation and null if it is not JSON).
nlohmann::json body_json(const HttpResponse& response);

// Expects a TEI error answer: the status, the error_type, and a message containing `message`.
void expect_error(const HttpResponse& response, int status, const std::string& error_type, const std::string& message);

// Polls GET /metrics until the in-flight gauge reads `count` (fails the test after 120 s).
void wait_for_requests_in_flight(int port, int count);

// Polls GET /metrics until `route` has answered `count` requests, whatever their status (fails
// the test after 120 s). Requests sent and left need it: until the server has read them, the
// in-flight gauge may read 0 before they are admitted.
void wait_for_answered_requests(int port, const std::string& route, int count);

}  // namespace ufb::serve_test

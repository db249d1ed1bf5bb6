// `ufb serve` under concurrent and misbehaving clients: answers stay equal to the CLI's, a full
// server answers 429, hang-ups leave it healthy, and SIGTERM finishes the work in flight.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "cli_reference.h"
#include "serve_fixture.h"

namespace ufb::serve_test {
namespace {

using nlohmann::json;

const std::vector<std::string> kTexts = {
    "paris",          "rome is old",         "paris is the capital of france .", "berlin is a city in europe",
    "it has many people", "rome and paris",  "the river is big",                 "germany",
    "a small city",   "berlin is big and old", "france and italy and germany",   "italy has many old rivers"};

TEST(ConcurrencyTest, ThousandRequestsFrom32ClientsEqualTheCli) {
  const auto server = start_server(kClassifier, {"--max-concurrent-requests", "64"});
  const std::vector<std::vector<float>> embeddings = cli_embeddings(kClassifier, kTexts, true);
  std::vector<json> classifications;
  for (const std::string& text : kTexts) classifications.push_back(cli_classification(kClassifier, text));

  constexpr int kRequests = 1000;
  constexpr int kClients = 32;
  std::atomic<int> next_request = 0;
  std::atomic<int> failures = 0;
  const auto client = [&] {
    for (int i; (i = next_request.fetch_add(1)) < kRequests;) {
      const size_t text = static_cast<size_t>(i) % kTexts.size();
      const size_t other = (text + 5) % kTexts.size();
      if (i % 3 == 2) {
        const HttpResponse response = post(server->port(), "/predict", json{{"inputs", kTexts[text]}}.dump());
        const json answer = json::parse(response.body, nullptr, false);
        // The label the CLI picks must come first, with the CLI's probability.
        const int64_t label = classifications[text].at("label");
        const bool same = response.status == 200 && answer.is_array() && answer.size() == 3 &&
                          answer[0].at("label") == "LABEL_" + std::to_string(label) &&
                          std::abs(answer[0].at("score").get<double>() -
                                   classifications[text].at("probabilities")[label].get<double>()) < 1e-5;
        if (!same) ++failures;
        EXPECT_TRUE(same) << "request " << i << ": " << response.status << " " << response.body;
      } else {
        const HttpResponse response =
            post(server->port(), "/embed", json{{"inputs", {kTexts[text], kTexts[other]}}}.dump());
        const json answer = json::parse(response.body, nullptr, false);
        bool same = response.status == 200 && answer.is_array() && answer.size() == 2;
        for (size_t k = 0; same && k < 2; ++k) {
          const std::vector<float>& expected = embeddings[k == 0 ? text : other];
          same = answer[k].size() == expected.size();
          for (size_t d = 0; same && d < expected.size(); ++d) same = std::abs(answer[k][d].get<double>() - expected[d]) < 1e-5;
        }
        if (!same) ++failures;
        EXPECT_TRUE(same) << "request " << i << ": " << response.status << " " << response.body;
      }
      if (failures > 5) return;  // enough to diagnose
    }
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) clients.emplace_back(client);
  for (std::thread& thread : clients) thread.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(server->terminate_and_wait(), 0);
}

// A client that has sent its headers but not all of its body holds its place in flight: with
// --max-concurrent-requests 1 the next inference request must be refused, deterministically.
TEST(ConcurrencyTest, FullServerAnswers429AndRecovers) {
  const auto server = start_server(kClassifier, {"--max-concurrent-requests", "1"});
  const std::string body = R"({"inputs": "rome is old"})";
  const std::string request = request_bytes("POST", "/embed", body);
  const int slow_client = connect_to(server->port());
  ASSERT_GE(slow_client, 0);
  send_all(slow_client, request.substr(0, request.size() - 5));
  wait_for_requests_in_flight(server->port(), 1);

  expect_error(post(server->port(), "/embed", body), 429, "Overloaded", "Model is overloaded");
  expect_error(post(server->port(), "/predict", body), 429, "Overloaded", "--max-concurrent-requests");
  EXPECT_EQ(get(server->port(), "/health").status, 200);  // not an inference route

  send_all(slow_client, request.substr(request.size() - 5));
  EXPECT_EQ(read_response(slow_client).status, 200);
  close(slow_client);
  wait_for_requests_in_flight(server->port(), 0);
  EXPECT_EQ(post(server->port(), "/embed", body).status, 200);
  EXPECT_NE(get(server->port(), "/metrics").body.find("ufb_requests_total{route=\"/embed\",status=\"429\"} 1\n"),
            std::string::npos);
}

TEST(ConcurrencyTest, ClientsHangingUpMidRequestLeaveTheServerHealthy) {
  const auto server = start_server(kClassifier, {"--max-concurrent-requests", "2"});
  const std::string request = request_bytes("POST", "/embed", R"({"inputs": ["rome is old", "paris"]})");
  for (int i = 0; i < 4; ++i) {  // more hang-ups than places: each place must come back
    const int client = connect_to(server->port());
    ASSERT_GE(client, 0);
    send_all(client, request.substr(0, request.size() / 2));
    close(client);
  }
  for (int i = 0; i < 4; ++i) {  // whole requests whose answers nobody reads
    const int client = connect_to(server->port());
    ASSERT_GE(client, 0);
    send_all(client, request);
    close(client);
  }
  // The half requests are answered 400 once the server sees them end, the whole ones 200 (or
  // 429 while both places are taken): all 8 are counted before the places are sure to be free.
  wait_for_answered_requests(server->port(), "/embed", 8);
  wait_for_requests_in_flight(server->port(), 0);
  const HttpResponse response = post(server->port(), "/embed", R"({"inputs": "rome"})");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(server->terminate_and_wait(), 0);
}

TEST(ConcurrencyTest, SigtermFinishesTheRequestInFlightAndExitsZero) {
  const auto server = start_server(kClassifier);
  const std::string request = request_bytes("POST", "/embed", R"({"inputs": "rome is old"})");
  const int client = connect_to(server->port());
  ASSERT_GE(client, 0);
  send_all(client, request.substr(0, request.size() - 3));
  wait_for_requests_in_flight(server->port(), 1);

  server->send_signal(SIGTERM);
  EXPECT_EQ(server->read_line(), "ufb serve: shutting down: finishing requests in flight");
  EXPECT_EQ(connect_to(server->port()), -1) << "still accepting connections after SIGTERM";

  send_all(client, request.substr(request.size() - 3));
  const HttpResponse response = read_response(client);
  close(client);
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(server->read_line(), "ufb serve: stopped");
  EXPECT_EQ(server->wait(), 0);
}

TEST(ConcurrencyTest, SigintAlsoStopsCleanly) {
  const auto server = start_server(kMaskedLm);
  EXPECT_EQ(post(server->port(), "/embed", R"({"inputs": "rome"})").status, 200);
  server->send_signal(SIGINT);
  EXPECT_EQ(server->wait(), 0);
}

}  // namespace
}  // namespace ufb::serve_test

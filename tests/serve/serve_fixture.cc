#include "serve_fixture.h"

#include <chrono>
#include <sstream>
#include <thread>

namespace ufb::serve_test {

std::unique_ptr<ServerProcess> start_server(const std::string& model, const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"--model", model_dir(model), "--tokenizer", tokenizer_path(), "--threads", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<ServerProcess>(args);
}

nlohmann::json body_json(const HttpResponse& response) {
  const nlohmann::json parsed = nlohmann::json::parse(response.body, nullptr, false);
  EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << response.body;
  return parsed.is_discarded() ? nlohmann::json() : parsed;
}

void expect_error(const HttpResponse& response, int status, const std::string& error_type, const std::string& message) {
  EXPECT_EQ(response.status, status) << response.body;
  const nlohmann::json body = body_json(response);
  ASSERT_TRUE(body.is_object()) << response.body;
  EXPECT_EQ(body.value("error_type", ""), error_type) << response.body;
  EXPECT_NE(body.value("error", "").find(message), std::string::npos) << "message: " << response.body;
}

namespace {

// Polls GET /metrics until `done(body)` (fails the test after 120 s, saying `what`).
template <typename Done>
void poll_metrics(int port, const std::string& what, Done&& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!done(get(port, "/metrics").body)) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the server never " << what;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

}  // namespace

void wait_for_requests_in_flight(int port, int count) {
  const std::string gauge = "\nufb_requests_in_flight " + std::to_string(count) + "\n";
  poll_metrics(port, "had " + std::to_string(count) + " requests in flight",
               [&](const std::string& metrics) { return metrics.find(gauge) != std::string::npos; });
}

void wait_for_answered_requests(int port, const std::string& route, int count) {
  // Lines `ufb_requests_total{route="ROUTE",status="S"} N`, one per status.
  const std::string prefix = "ufb_requests_total{route=\"" + route + "\",";
  poll_metrics(port, "answered " + std::to_string(count) + " requests to " + route, [&](const std::string& metrics) {
    std::istringstream lines(metrics);
    int answered = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with(prefix)) answered += std::stoi(line.substr(line.rfind(' ') + 1));
    }
    return answered >= count;
  });
}

}  // namespace ufb::serve_test

#include "cli_reference.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "server_process.h"

namespace ufb::serve_test {
namespace {

std::vector<std::string> model_args(const std::string& command, const std::string& model) {
  return {command, "--model", model_dir(model), "--tokenizer", tokenizer_path(), "--json", "--threads", "1"};
}

std::vector<nlohmann::json> json_lines(const std::string& output) {
  std::vector<nlohmann::json> lines;
  std::istringstream stream(output);
  for (std::string line; std::getline(stream, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

}  // namespace

std::vector<std::vector<float>> cli_embeddings(const std::string& model, const std::vector<std::string>& texts,
                                               bool normalize) {
  std::vector<std::string> args = model_args("embed", model);
  if (normalize) args.push_back("--normalize");
  args.insert(args.end(), texts.begin(), texts.end());
  std::vector<std::vector<float>> vectors;
  for (const nlohmann::json& line : json_lines(run_ufb(args))) {
    vectors.push_back(line.at("embedding").get<std::vector<float>>());
  }
  EXPECT_EQ(vectors.size(), texts.size());
  return vectors;
}

nlohmann::json cli_classification(const std::string& model, const std::string& text) {
  std::vector<std::string> args = model_args("classify", model);
  if (text.find('\t') == std::string::npos) {
    args.push_back(text);
  } else {  // the CLI reads TAB-separated pairs from files only
    const std::string path = ::testing::TempDir() + "serve_test_pair_" + std::to_string(getpid()) + ".txt";
    std::ofstream(path) << text << "\n";
    args.insert(args.end(), {"--file", path});
  }
  const std::vector<nlohmann::json> lines = json_lines(run_ufb(args));
  return lines.size() == 1 ? lines[0] : nlohmann::json();
}

nlohmann::json cli_fill_mask(const std::string& model, const std::string& text, int top_k) {
  std::vector<std::string> args = model_args("fill-mask", model);
  args.insert(args.end(), {"--top-k", std::to_string(top_k), text});
  const std::vector<nlohmann::json> lines = json_lines(run_ufb(args));
  return lines.size() == 1 ? lines[0] : nlohmann::json();
}

void expect_json_near(const nlohmann::json& actual, const nlohmann::json& expected, const std::string& where) {
  if (expected.is_number_float() || (expected.is_number() && actual.is_number_float())) {
    ASSERT_TRUE(actual.is_number()) << where << ": " << actual.dump();
    const double want = expected.get<double>();
    EXPECT_NEAR(actual.get<double>(), want, 1e-5 * std::max(1.0, std::abs(want))) << where;
  } else if (expected.is_array()) {
    ASSERT_TRUE(actual.is_array()) << where << ": " << actual.dump();
    ASSERT_EQ(actual.size(), expected.size()) << where;
    for (size_t i = 0; i < expected.size(); ++i) expect_json_near(actual[i], expected[i], where + "[" + std::to_string(i) + "]");
  } else if (expected.is_object()) {
    ASSERT_TRUE(actual.is_object()) << where << ": " << actual.dump();
    ASSERT_EQ(actual.size(), expected.size()) << where << ": " << actual.dump();
    for (const auto& [key, value] : expected.items()) {
      ASSERT_TRUE(actual.contains(key)) << where << ": no key " << key;
      expect_json_near(actual.at(key), value, where + "." + key);
    }
  } else {
    EXPECT_EQ(actual, expected) << where;
  }
}

}  // namespace ufb::serve_test

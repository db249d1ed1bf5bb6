// `ufb embed` and `ufb classify` batch inputs of similar lengths together (less padding) and
// must still answer input by input in the order given: every input's answer at batch size 3
// (sorted batches) equals its answer alone (batch size 1).
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

std::vector<nlohmann::json> run_json_lines(const std::string& arguments) {
  const std::string command = std::string(UFB_BINARY) + " " + arguments + " --json --threads 1 2>/dev/null";
  std::unique_ptr<FILE, decltype(&pclose)> pipe(popen(command.c_str(), "r"), pclose);
  EXPECT_NE(pipe, nullptr) << command;
  std::string output;
  std::array<char, 4096> buffer{};
  while (pipe && std::fgets(buffer.data(), buffer.size(), pipe.get()) != nullptr) output += buffer.data();
  std::vector<nlohmann::json> lines;
  size_t begin = 0;
  for (size_t end = output.find('\n'); end != std::string::npos; begin = end + 1, end = output.find('\n', begin)) {
    lines.push_back(nlohmann::json::parse(output.substr(begin, end - begin)));
  }
  return lines;
}

void expect_same_answers(const std::string& arguments, const char* field) {
  const std::vector<nlohmann::json> alone = run_json_lines(arguments + " --batch-size 1");
  const std::vector<nlohmann::json> batched = run_json_lines(arguments + " --batch-size 3");
  ASSERT_EQ(alone.size(), 7u);  // tests/data/cli/texts.txt
  ASSERT_EQ(batched.size(), alone.size());
  for (size_t i = 0; i < alone.size(); ++i) {
    EXPECT_EQ(batched[i].at("input"), i);
    const auto values = [&](const nlohmann::json& line) {
      const nlohmann::json& value = line.at(field);
      return value.is_number() ? std::vector<float>{value.get<float>()} : value.get<std::vector<float>>();
    };
    const std::vector<float> a = values(alone[i]);
    const std::vector<float> b = values(batched[i]);
    ASSERT_EQ(a.size(), b.size());
    for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-5) << "input " << i << " value " << k;
  }
}

const std::string kTexts = std::string(" --file ") + UFB_TEST_DATA_DIR + "/cli/texts.txt";
const std::string kTokenizer = std::string(" --tokenizer ") + UFB_TEST_DATA_DIR + "/cli/tokenizer.json";

TEST(BatchOrder, EmbedAnswersInInputOrder) {
  expect_same_answers(std::string("embed --model ") + UFB_TEST_DATA_DIR + "/model/fff_mlm" + kTokenizer + kTexts,
                      "embedding");
}

TEST(BatchOrder, ClassifyAnswersInInputOrder) {
  // zero_index pooling (a regression head): answers do not depend on the batch, so ufb sorts
  // by length.
  expect_same_answers(std::string("classify --model ") + UFB_TEST_DATA_DIR + "/model/fff_cls_zero_index" + kTokenizer + kTexts,
                      "score");
}

}  // namespace

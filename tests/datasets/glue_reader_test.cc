#include "ufb/data/glue_reader.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "shared_data.h"
#include "tokenizer/error_message.h"

namespace ufb::data {
namespace {

const std::filesystem::path kTestGlue = std::filesystem::path(UFB_TEST_DATA_DIR) / "glue";
const std::filesystem::path kSharedGlue = shared_data_path("glue");

std::vector<GlueExample> parse(std::string_view task, GlueSplit split, std::string_view text) {
  return parse_glue_file(find_glue_task(task), split, text, "t.tsv");
}

TEST(GlueTask, NamesAreFoundIgnoringCaseAndDashes) {
  EXPECT_EQ(find_glue_task("sst2").name, "SST-2");
  EXPECT_EQ(find_glue_task("STS-B").name, "STS-B");
  EXPECT_EQ(find_glue_task("mnli").name, "MNLI-m");
  EXPECT_EQ(find_glue_task("MNLI-mm").dev_file, "dev_mismatched.tsv");
  EXPECT_ERROR_CONTAINS(find_glue_task("squad"), "unknown GLUE task 'squad' (expected one of CoLA, SST-2, MRPC");
  EXPECT_EQ(glue_tasks().size(), 10u);
  for (const GlueTask& task : glue_tasks()) EXPECT_EQ(&find_glue_task(task.name), &task);
}

TEST(GlueTask, LabelsAndMetricsFollowGlue) {
  EXPECT_EQ(find_glue_task("RTE").label_names, (std::vector<std::string>{"entailment", "not_entailment"}));
  EXPECT_EQ(find_glue_task("MNLI").label_names, (std::vector<std::string>{"contradiction", "entailment", "neutral"}));
  EXPECT_TRUE(find_glue_task("STS-B").is_regression());
  EXPECT_EQ(find_glue_task("STS-B").num_labels(), 1u);
  EXPECT_EQ(find_glue_task("CoLA").metrics, std::vector<GlueMetric>{GlueMetric::matthews});
  EXPECT_EQ(find_glue_task("MRPC").metrics, (std::vector<GlueMetric>{GlueMetric::f1, GlueMetric::accuracy}));
  EXPECT_EQ(find_glue_task("MNLI-mm").submission_file, "MNLI-mm.tsv");
  EXPECT_EQ(parse_glue_split("test"), GlueSplit::test);
  EXPECT_ERROR_CONTAINS(parse_glue_split("validation"), "unknown GLUE split 'validation' (expected train, dev or test)");
}

TEST(GlueReader, ReadsEveryFormatOfTheTestData) {
  const auto sst2 = read_glue_split(find_glue_task("SST-2"), GlueSplit::dev, kTestGlue / "SST-2");
  ASSERT_EQ(sst2.size(), 5u);
  EXPECT_EQ(sst2[1].text_a, "rome is old and small ");  // the trailing space is the file's
  EXPECT_EQ(sst2[1].label, 0);
  EXPECT_EQ(sst2[1].index, 1);
  EXPECT_EQ(sst2[1].line, 3u);
  EXPECT_FALSE(sst2[1].text_b.has_value());

  const auto cola = read_glue_split(find_glue_task("CoLA"), GlueSplit::dev, kTestGlue / "CoLA");
  ASSERT_EQ(cola.size(), 4u);  // headerless, no newline after the last row
  EXPECT_EQ(cola[3].text_a, "big big city it.");
  EXPECT_EQ(cola[3].label, 0);

  const auto mrpc = read_glue_split(find_glue_task("MRPC"), GlueSplit::dev, kTestGlue / "MRPC");
  ASSERT_EQ(mrpc.size(), 3u);  // byte-order mark and CRLF
  EXPECT_EQ(mrpc[0].text_b, "\"the capital of france is paris.");  // quotes are text
  EXPECT_EQ(mrpc[0].label, 1);

  const auto stsb = read_glue_split(find_glue_task("STS-B"), GlueSplit::dev, kTestGlue / "STS-B");
  ASSERT_EQ(stsb.size(), 4u);
  EXPECT_FLOAT_EQ(*stsb[0].score, 4.75f);
  EXPECT_FLOAT_EQ(*stsb[2].score, 2.4f);
  EXPECT_FALSE(stsb[0].label.has_value());

  const auto mnli = read_glue_split(find_glue_task("MNLI-m"), GlueSplit::dev, kTestGlue / "MNLI");
  ASSERT_EQ(mnli.size(), 3u);
  EXPECT_EQ(mnli[1].text_a, "rome is big.");
  EXPECT_EQ(mnli[1].label, 0);  // contradiction
  const auto mnli_mm = read_glue_split(find_glue_task("MNLI-mm"), GlueSplit::dev, kTestGlue / "MNLI");
  EXPECT_EQ(mnli_mm.size(), 2u);

  const auto qqp = read_glue_split(find_glue_task("QQP"), GlueSplit::dev, kTestGlue / "QQP");
  ASSERT_EQ(qqp.size(), 3u);
  EXPECT_EQ(qqp[0].index, 5);
  EXPECT_EQ(qqp[0].text_b, "is paris a big city?");

  const auto rte_test = read_glue_split(find_glue_task("RTE"), GlueSplit::test, kTestGlue / "RTE");
  ASSERT_EQ(rte_test.size(), 2u);
  EXPECT_FALSE(rte_test[0].has_target());
  EXPECT_EQ(rte_test[1].index, 1);
}

TEST(GlueReader, ReadsTheSharedGlueFilesWithTheirOfficialSizes) {
  UFB_SKIP_WITHOUT_SHARED_DATA(kSharedGlue);
  const std::vector<std::tuple<std::string, GlueSplit, size_t>> files = {
      {"CoLA", GlueSplit::train, 8551}, {"CoLA", GlueSplit::dev, 1043},   {"CoLA", GlueSplit::test, 1063},
      {"SST-2", GlueSplit::dev, 872},   {"SST-2", GlueSplit::test, 1821}, {"MRPC", GlueSplit::train, 3668},
      {"MRPC", GlueSplit::dev, 408},    {"MRPC", GlueSplit::test, 1725},  {"STS-B", GlueSplit::dev, 1500},
      {"STS-B", GlueSplit::test, 1379}, {"RTE", GlueSplit::dev, 277},     {"RTE", GlueSplit::test, 3000},
      {"WNLI", GlueSplit::train, 635},  {"WNLI", GlueSplit::dev, 71},     {"QNLI", GlueSplit::dev, 5463},
      {"QNLI", GlueSplit::test, 5463}};
  for (const auto& [name, split, rows] : files) {
    const GlueTask& task = find_glue_task(name);
    const auto examples = read_glue_split(task, split, kSharedGlue / task.folder);
    EXPECT_EQ(examples.size(), rows) << name << " " << split_name(split);
  }
  const auto mrpc = read_glue_split(find_glue_task("MRPC"), GlueSplit::dev, kSharedGlue / "MRPC");
  EXPECT_EQ(std::count_if(mrpc.begin(), mrpc.end(), [](const GlueExample& e) { return e.label == 1; }), 279);
  const auto qnli = read_glue_split(find_glue_task("QNLI"), GlueSplit::dev, kSharedGlue / "QNLI");
  EXPECT_EQ(std::count_if(qnli.begin(), qnli.end(), [](const GlueExample& e) { return e.label == 0; }), 2702);
  const auto sst2_test = read_glue_split(find_glue_task("SST-2"), GlueSplit::test, kSharedGlue / "SST-2");
  EXPECT_EQ(sst2_test.back().index, 1820);
}

TEST(GlueReader, MalformedRowsNameFileAndLine) {
  struct Case {
    const char* task;
    GlueSplit split;
    std::string_view text;
    const char* message;
  };
  const Case cases[] = {
      {"SST-2", GlueSplit::dev, "sentence\tlabel\na\t1\nb\t1\tc\n", "t.tsv:3: expected 2 tab-separated fields, found 3"},
      {"SST-2", GlueSplit::dev, "sentence\tlabel\na\t1\n\nb\t0\n", "t.tsv:3: expected 2 tab-separated fields, found 1"},
      {"SST-2", GlueSplit::dev, "sentence\tlabel\na\t2\n", "t.tsv:2: label '2' is not one of 0, 1"},
      {"RTE", GlueSplit::dev, "index\tsentence1\tsentence2\tlabel\n0\ta\tb\tentails\n",
       "t.tsv:2: label 'entails' is not one of entailment, not_entailment"},
      {"STS-B", GlueSplit::dev, "index\tsentence1\tsentence2\tscore\n0\ta\tb\tfive\n", "t.tsv:2: score 'five' is not a number"},
      {"STS-B", GlueSplit::dev, "index\tsentence1\tsentence2\tscore\n0\ta\tb\t\n", "t.tsv:2: score '' is not a number"},
      {"RTE", GlueSplit::test, "index\tsentence1\tsentence2\nx1\ta\tb\n", "t.tsv:2: index 'x1' is not an integer"},
      {"RTE", GlueSplit::dev, "index\tpremise\thypothesis\tlabel\n", "t.tsv:1: the header has no column 'sentence1' (a RTE file)"},
      {"CoLA", GlueSplit::dev, "gj04\t1\tthe sentence\n", "t.tsv:1: expected 4 tab-separated fields, found 3"},
      {"SST-2", GlueSplit::dev, "", "t.tsv:1: the file is empty"},
  };
  for (const Case& c : cases) EXPECT_ERROR_CONTAINS(parse(c.task, c.split, c.text), c.message);
  EXPECT_ERROR_CONTAINS(read_glue_split(find_glue_task("QQP"), GlueSplit::dev, kTestGlue / "nowhere"),
                        "nowhere/dev.tsv: no such file (the QQP dev split");
}

TEST(GlueReader, AHeaderWithoutRowsIsAnEmptySplit) {
  EXPECT_TRUE(parse("SST-2", GlueSplit::dev, "sentence\tlabel\n").empty());
  EXPECT_TRUE(parse("SST-2", GlueSplit::dev, "\xEF\xBB\xBFsentence\tlabel\r\n").empty());
}

TEST(GlueReader, PredictionsAreWrittenAsTheFilesWriteLabels) {
  EXPECT_EQ(format_glue_prediction(find_glue_task("RTE"), 1, 0), "not_entailment");
  EXPECT_EQ(format_glue_prediction(find_glue_task("SST-2"), 0, 0), "0");
  EXPECT_EQ(format_glue_prediction(find_glue_task("MNLI-mm"), 2, 0), "neutral");
  EXPECT_EQ(format_glue_prediction(find_glue_task("STS-B"), 0, 3.14159f), "3.142");
}

}  // namespace
}  // namespace ufb::data

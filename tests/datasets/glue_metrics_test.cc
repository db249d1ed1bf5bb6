#include "ufb/data/glue_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tokenizer/error_message.h"

namespace ufb::data {
namespace {

using Labels = std::vector<int32_t>;
using Scores = std::vector<double>;

nlohmann::json load_goldens() {
  std::ifstream file(std::filesystem::path(UFB_TEST_DATA_DIR) / "glue" / "metric_goldens.json");
  return nlohmann::json::parse(file);
}

// Worked by hand: TP=2 (i 0,3), FP=1 (i 4), FN=1 (i 1), TN=2 (i 2,5).
TEST(GlueMetrics, HandWorkedBinaryCase) {
  const Labels labels = {1, 1, 0, 1, 0, 0}, predictions = {1, 0, 0, 1, 1, 0};
  EXPECT_DOUBLE_EQ(accuracy(predictions, labels), 4.0 / 6);
  EXPECT_DOUBLE_EQ(f1_score(predictions, labels), 4.0 / 6);  // 2TP / (2TP + FP + FN) = 4/6
  // (TP·TN − FP·FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN)) = (4 − 1) / 9
  EXPECT_DOUBLE_EQ(matthews_correlation(predictions, labels), 3.0 / 9);
}

TEST(GlueMetrics, DegenerateCasesFollowScikitLearn) {
  const Labels zeros = {0, 0, 0}, mixed = {0, 1, 0};
  EXPECT_EQ(f1_score(zeros, zeros), 0.0);        // no positive anywhere
  EXPECT_EQ(matthews_correlation(zeros, mixed), 0.0);  // constant predictions
  EXPECT_EQ(matthews_correlation(mixed, mixed), 1.0);
  EXPECT_EQ(matthews_correlation(Labels{1, 0, 1}, mixed), -1.0);
  EXPECT_TRUE(std::isnan(pearson_correlation(Scores{1, 1, 1}, Scores{1, 2, 3})));
  EXPECT_DOUBLE_EQ(pearson_correlation(Scores{1, 2, 3}, Scores{2, 4, 6}), 1.0);
  EXPECT_ERROR_CONTAINS(accuracy(Labels{1}, Labels{1, 0}),
                        "accuracy needs two equally long, non-empty series, got 1 and 2 values");
  EXPECT_ERROR_CONTAINS(spearman_correlation(Scores{}, Scores{}), "Spearman correlation needs two equally long");
}

TEST(GlueMetrics, TiesGetTheirAverageRank) {
  EXPECT_EQ(average_ranks(Scores{10, 20, 10, 30, 20, 10}), (Scores{2, 4.5, 2, 6, 4.5, 2}));
  // Ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 → Pearson of the ranks.
  EXPECT_NEAR(spearman_correlation(Scores{1, 5, 5, 9}, Scores{0, 1, 2, 3}), 0.9486832980505138, 1e-15);
}

TEST(GlueMetrics, ClassificationMatchesScikitLearn) {
  const nlohmann::json goldens = load_goldens();  // a range-for over a temporary's member would dangle
  for (const auto& golden : goldens["classification"]) {
    const Labels predictions = golden["predictions"], labels = golden["labels"];
    SCOPED_TRACE("case of " + std::to_string(labels.size()));
    EXPECT_NEAR(accuracy(predictions, labels), golden["accuracy"].get<double>(), 1e-12);
    EXPECT_NEAR(f1_score(predictions, labels), golden["f1"].get<double>(), 1e-12);
    EXPECT_NEAR(matthews_correlation(predictions, labels), golden["matthews"].get<double>(), 1e-12);
  }
}

TEST(GlueMetrics, CorrelationsMatchSciPy) {
  const nlohmann::json goldens = load_goldens();
  for (const auto& golden : goldens["regression"]) {
    const Scores predictions = golden["predictions"], targets = golden["targets"];
    SCOPED_TRACE("case of " + std::to_string(targets.size()));
    EXPECT_NEAR(pearson_correlation(predictions, targets), golden["pearson"].get<double>(), 1e-12);
    EXPECT_NEAR(spearman_correlation(predictions, targets), golden["spearman"].get<double>(), 1e-12);
  }
}

TEST(GlueMetrics, TaskMetricsInTheTasksOrder) {
  const Labels labels = {1, 1, 0, 1, 0, 0}, predictions = {1, 0, 0, 1, 1, 0};
  const auto mrpc = classification_metrics(find_glue_task("MRPC"), predictions, labels);
  ASSERT_EQ(mrpc.size(), 2u);
  EXPECT_EQ(mrpc[0].metric, GlueMetric::f1);
  EXPECT_EQ(mrpc[1].metric, GlueMetric::accuracy);
  EXPECT_DOUBLE_EQ(task_score(mrpc), 4.0 / 6);
  const auto stsb = regression_metrics(find_glue_task("STS-B"), Scores{1, 5, 5, 9}, Scores{0, 1, 2, 3});
  ASSERT_EQ(stsb.size(), 2u);
  EXPECT_EQ(stsb[1].metric, GlueMetric::spearman);
  EXPECT_ERROR_CONTAINS(regression_metrics(find_glue_task("RTE"), Scores{1}, Scores{1}),
                        "RTE is a classification task");
  EXPECT_ERROR_CONTAINS(classification_metrics(find_glue_task("STS-B"), labels, labels), "STS-B is a regression task");
}

}  // namespace
}  // namespace ufb::data

#include "ops/softmax.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace ufb::ops {
namespace {

TEST(Softmax, SumsToOneAndKeepsOrder) {
  std::vector<float> values = {1.0f, 3.0f, -2.0f, 3.0f};
  softmax_inplace(values);
  const double denominator = std::exp(-2.0) + 2.0 + std::exp(-5.0);
  EXPECT_NEAR(values[0], std::exp(-2.0) / denominator, 1e-7);
  EXPECT_NEAR(values[1], 1.0 / denominator, 1e-7);
  EXPECT_NEAR(values[2], std::exp(-5.0) / denominator, 1e-7);
  EXPECT_EQ(values[1], values[3]);
}

TEST(Softmax, LargeValuesDoNotOverflow) {
  std::vector<float> values = {1000.0f, 1000.0f, -10000.0f};
  softmax_inplace(values);
  EXPECT_EQ(values, (std::vector<float>{0.5f, 0.5f, 0.0f}));
  std::vector<float> empty;
  softmax_inplace(empty);
  EXPECT_TRUE(empty.empty());
}

// The vectorised row against a double-precision softmax, on lengths around every vector width
// and long rows (a vocabulary), with scores spread like attention logits.
TEST(Softmax, MatchesDoublePrecisionOnAwkwardLengths) {
  std::mt19937 rng(5);
  std::normal_distribution<float> score(0.0f, 4.0f);
  for (const size_t length : {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 33, 127, 128, 1000, 32771}) {
    std::vector<float> values(length);
    for (float& value : values) value = score(rng);
    std::vector<double> expected(values.begin(), values.end());
    const double max = *std::max_element(expected.begin(), expected.end());
    double sum = 0;
    for (double& value : expected) sum += (value = std::exp(value - max));
    softmax_inplace(values);
    for (size_t i = 0; i < length; ++i) {
      EXPECT_NEAR(values[i], expected[i] / sum, 2e-6 * expected[i] / sum + 1e-9) << length << " " << i;
    }
  }
}

TEST(Softmax, MaskedScoresGetExactlyZero) {
  std::vector<float> values = {0.5f, -3.0f, 2.0f, 1.0f, 0.25f, -10000.0f + 0.5f, -10000.0f, -10000.0f - 7.0f, -10000.0f};
  softmax_inplace(values);
  for (size_t i = 5; i < values.size(); ++i) EXPECT_EQ(values[i], 0.0f) << i;
}

}  // namespace
}  // namespace ufb::ops

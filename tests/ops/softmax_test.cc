#include "ufb/ops/softmax.h"

#include <gtest/gtest.h>

#include <cmath>
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

}  // namespace
}  // namespace ufb::ops

#include "ops/layer_norm.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ufb/ops/compare.h"
#include "ufb/error.h"
#include "ufb/ops/synthetic.h"

namespace ufb::ops {
namespace {

using ::testing::StrEq;
using ::testing::ThrowsMessage;

std::vector<float> reference_layer_norm(const std::vector<float>& x, int64_t rows, int64_t width,
                                        const std::vector<float>& weight,
                                        const std::vector<float>& bias, double eps) {
  std::vector<float> y(x.size());
  for (int64_t r = 0; r < rows; ++r) {
    double mean = 0.0;
    for (int64_t c = 0; c < width; ++c) mean += x[r * width + c];
    mean /= static_cast<double>(width);
    double variance = 0.0;
    for (int64_t c = 0; c < width; ++c) variance += std::pow(x[r * width + c] - mean, 2);
    variance /= static_cast<double>(width);  // biased, as torch.nn.LayerNorm
    for (int64_t c = 0; c < width; ++c) {
      y[r * width + c] = static_cast<float>((x[r * width + c] - mean) / std::sqrt(variance + eps) *
                                            weight[c] + bias[c]);
    }
  }
  return y;
}

TEST(LayerNorm, MatchesTheReferenceOnAwkwardSizes) {
  std::mt19937 rng(11);
  for (int64_t width : {1, 3, 17, 768}) {
    for (int64_t rows : {0, 1, 5, 300}) {
      SCOPED_TRACE("width " + std::to_string(width) + ", rows " + std::to_string(rows));
      std::vector<float> x = random_tokens(rows, width, rng);
      for (float& value : x) value = 3.0f + 10.0f * value;  // an offset the mean must remove
      const std::vector<float> weight = random_tokens(1, width, rng);
      const std::vector<float> bias = random_tokens(1, width, rng);
      const std::vector<float> expected = reference_layer_norm(x, rows, width, weight, bias, 1e-5);
      std::vector<float> actual(x.size(), -7.0f);
      layer_norm(x, rows, weight, bias, 1e-5, actual);
      EXPECT_LE(ops::relative_error(actual, expected), 1e-6);
      layer_norm(x, rows, weight, bias, 1e-5, x);  // in place
      EXPECT_EQ(x, actual);
    }
  }
}

TEST(LayerNorm, ConstantRowGivesTheBias) {
  const std::vector<float> x(8, 2.5f);
  const std::vector<float> weight(8, 3.0f);
  const std::vector<float> bias = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<float> y(8);
  layer_norm(x, 1, weight, bias, 1e-12, y);
  EXPECT_EQ(y, bias);
}

TEST(LayerNorm, RejectsSizesThatDoNotFit) {
  const std::vector<float> x(10), weight(5), bias(4);
  std::vector<float> y(10);
  EXPECT_THAT([&] { layer_norm(x, 2, weight, bias, 1e-12, y); },
              ThrowsMessage<Error>(StrEq(
                  "LayerNorm: 10 inputs, 10 outputs, weight 5 and bias 4 do not fit 2 rows")));
}

}  // namespace
}  // namespace ufb::ops

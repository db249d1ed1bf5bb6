#include "ufb/ops/linear.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "ufb/ops/compare.h"
#include "ufb/error.h"
#include "ufb/ops/synthetic.h"

namespace ufb::ops {
namespace {

using ::testing::StrEq;
using ::testing::ThrowsMessage;

std::vector<float> reference_linear(const std::vector<float>& x, int64_t rows, int64_t in,
                                    int64_t out, const std::vector<float>& weight,
                                    const std::vector<float>& bias) {
  std::vector<float> y(rows * out);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double sum = bias.empty() ? 0.0 : bias[o];
      for (int64_t i = 0; i < in; ++i) sum += double{x[r * in + i]} * weight[o * in + i];
      y[r * out + o] = static_cast<float>(sum);
    }
  }
  return y;
}

TEST(Linear, MatchesTheReferenceOnAwkwardSizes) {
  std::mt19937 rng(5);
  for (int64_t in : {1, 7, 130}) {
    for (int64_t out : {1, 3, 67}) {
      for (int64_t rows : {0, 1, 9, 200}) {
        for (bool with_bias : {false, true}) {
          SCOPED_TRACE(std::to_string(rows) + " rows, [" + std::to_string(out) + "," +
                       std::to_string(in) + "]" + (with_bias ? " with bias" : ""));
          const std::vector<float> weight = random_tokens(out, in, rng);
          const std::vector<float> bias = with_bias ? random_tokens(1, out, rng) : std::vector<float>();
          const std::vector<float> x = random_tokens(rows, in, rng);
          const LinearWeights<float> layer{in, out, weight, bias};
          const std::vector<float> expected = reference_linear(x, rows, in, out, weight, bias);
          std::vector<float> actual(rows * out, std::numeric_limits<float>::quiet_NaN());
          linear(layer, x, rows, actual);
          EXPECT_LE(ops::relative_error(actual, expected), 1e-6);

          std::vector<float> residual = random_tokens(rows, out, rng);
          std::vector<float> accumulated = residual;
          linear(layer, x, rows, accumulated, LinearOutput::accumulate);
          for (size_t i = 0; i < residual.size(); ++i) residual[i] += expected[i];
          EXPECT_LE(ops::relative_error(accumulated, residual), 1e-6);
        }
      }
    }
  }
}

// The prepared (oneDNN) layer against the same reference, in both output modes, reusing one
// layer for several row counts in turn (each gets its own plan; the weights are reordered once).
TEST(PreparedLinear, MatchesTheReferenceOnAwkwardSizes) {
  // oneDNN sums 130 float products in its own blocked order; the reference sums in double.
  constexpr double kTolerance = 1e-5;
  std::mt19937 rng(6);
  for (int64_t in : {1, 7, 130}) {
    for (int64_t out : {1, 3, 67}) {
      for (bool with_bias : {false, true}) {
        const std::vector<float> weight = random_tokens(out, in, rng);
        const std::vector<float> bias = with_bias ? random_tokens(1, out, rng) : std::vector<float>();
        const LinearWeights<float> layer{in, out, weight, bias};
        const PreparedLinear overwrite(layer, LinearOutput::overwrite);
        const PreparedLinear accumulate(layer, LinearOutput::accumulate);
        for (int64_t rows : {0, 1, 9, 200, 9}) {
          SCOPED_TRACE(std::to_string(rows) + " rows, [" + std::to_string(out) + "," +
                       std::to_string(in) + "]" + (with_bias ? " with bias" : ""));
          const std::vector<float> x = random_tokens(rows, in, rng);
          const std::vector<float> expected = reference_linear(x, rows, in, out, weight, bias);
          std::vector<float> actual(rows * out, std::numeric_limits<float>::quiet_NaN());
          overwrite.forward(x, rows, actual);
          EXPECT_LE(ops::relative_error(actual, expected), kTolerance);

          std::vector<float> residual = random_tokens(rows, out, rng);
          std::vector<float> accumulated = residual;
          accumulate.forward(x, rows, accumulated);
          for (size_t i = 0; i < residual.size(); ++i) residual[i] += expected[i];
          EXPECT_LE(ops::relative_error(accumulated, residual), kTolerance);
        }
      }
    }
  }
}

TEST(PreparedLinear, RejectsMismatchedSizes) {
  const std::vector<float> weight(6), x(6);
  std::vector<float> long_y(5);
  const PreparedLinear layer({3, 2, weight, {}}, LinearOutput::overwrite);
  EXPECT_THAT([&] { layer.forward(x, 2, long_y); },
              ThrowsMessage<Error>(StrEq("linear layer [2,3] got 6 inputs and 5 outputs for 2 rows")));
  EXPECT_THAT([&] { PreparedLinear({3, 3, weight, {}}, LinearOutput::overwrite); },
              ThrowsMessage<Error>(StrEq("linear weight has 6 values, expected [3,3]")));
}

TEST(Linear, RejectsMismatchedSizes) {
  const std::vector<float> weight(6), x(6), bias(3);
  std::vector<float> y(4), long_y(5);
  EXPECT_THAT([&] { linear({3, 2, weight, {}}, x, 2, long_y); },
              ThrowsMessage<Error>(StrEq("linear layer [2,3] got 6 inputs and 5 outputs for 2 rows")));
  EXPECT_THAT([&] { linear({3, 3, weight, {}}, x, 2, y); },
              ThrowsMessage<Error>(StrEq("linear weight has 6 values, expected [3,3]")));
  EXPECT_THAT([&] { linear({3, 2, weight, bias}, x, 2, y); },
              ThrowsMessage<Error>(StrEq("linear bias has 3 values, expected 2")));
}

}  // namespace
}  // namespace ufb::ops

#include "ops/linear.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "ufb/ops/compare.h"
#include "ufb/error.h"
#include "ufb/ops/synthetic.h"
#include "ufb/ops/weight_type.h"

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
        const auto overwrite = make_prepared_linear(layer, LinearOutput::overwrite);
        const auto accumulate = make_prepared_linear(layer, LinearOutput::accumulate);
        for (int64_t rows : {0, 1, 9, 200, 9}) {
          SCOPED_TRACE(std::to_string(rows) + " rows, [" + std::to_string(out) + "," +
                       std::to_string(in) + "]" + (with_bias ? " with bias" : ""));
          const std::vector<float> x = random_tokens(rows, in, rng);
          const std::vector<float> expected = reference_linear(x, rows, in, out, weight, bias);
          std::vector<float> actual(rows * out, std::numeric_limits<float>::quiet_NaN());
          overwrite->forward(x, rows, actual);
          EXPECT_LE(ops::relative_error(actual, expected), kTolerance);

          std::vector<float> residual = random_tokens(rows, out, rng);
          std::vector<float> accumulated = residual;
          accumulate->forward(x, rows, accumulated);
          for (size_t i = 0; i < residual.size(); ++i) residual[i] += expected[i];
          EXPECT_LE(ops::relative_error(accumulated, residual), kTolerance);
        }
      }
    }
  }
}

// bf16: x and W rounded to bfloat16, products summed in float32.
// int8: x quantized per row and W per output column, symmetrically (scale = max|v| / 127,
// round to nearest even), integer sums, then sum · s_row · s_col + bias.
std::vector<float> rounded(std::vector<float> values) {
  round_to_bf16(values);
  return values;
}

// Each row of `values` [rows, cols] as int8 codes (stored as floats) and its scale.
std::pair<std::vector<float>, std::vector<float>> quantized(const std::vector<float>& values, int64_t rows,
                                                            int64_t cols) {
  std::vector<float> codes(values.size()), scales(rows);
  for (int64_t r = 0; r < rows; ++r) {
    float largest = 0;
    for (int64_t c = 0; c < cols; ++c) largest = std::max(largest, std::abs(values[r * cols + c]));
    scales[r] = largest > 0 ? largest / 127.0f : 1.0f;
    for (int64_t c = 0; c < cols; ++c) codes[r * cols + c] = std::nearbyint(values[r * cols + c] / scales[r]);
  }
  return {codes, scales};
}

TEST(PreparedLinear, LowerPrecisionsMatchTheirReferences) {
  std::mt19937 rng(7);
  for (int64_t in : {1, 7, 130}) {
    for (int64_t out : {1, 67}) {
      const std::vector<float> weight = random_tokens(out, in, rng);
      const std::vector<float> bias = random_tokens(1, out, rng);
      const LinearWeights<float> layer{in, out, weight, bias};
      const auto bf16 = make_prepared_linear(layer, LinearOutput::overwrite, WeightType::bf16);
      // int8 in both output modes: overwriting dst, oneDNN's int32 sums are scaled in dst's own
      // memory; accumulating, in a buffer of their own.
      const auto int8_overwrite = make_prepared_linear(layer, LinearOutput::overwrite, WeightType::int8);
      const auto int8_accumulate = make_prepared_linear(layer, LinearOutput::accumulate, WeightType::int8);
      const auto [weight_codes, weight_scales] = quantized(weight, out, in);
      for (int64_t rows : {1, 9, 200}) {
        SCOPED_TRACE(std::to_string(rows) + " rows, [" + std::to_string(out) + "," + std::to_string(in) + "]");
        const std::vector<float> x = random_tokens(rows, in, rng);
        std::vector<float> actual(rows * out, std::numeric_limits<float>::quiet_NaN());
        bf16->forward(x, rows, actual);
        EXPECT_LE(ops::relative_error(actual, reference_linear(rounded(x), rows, in, out, rounded(weight), bias)), 1e-5);

        const auto [x_codes, x_scales] = quantized(x, rows, in);
        const std::vector<float> sums = reference_linear(x_codes, rows, in, out, weight_codes, {});
        std::vector<float> values(rows * out);
        for (int64_t r = 0; r < rows; ++r) {
          for (int64_t o = 0; o < out; ++o) values[r * out + o] = sums[r * out + o] * x_scales[r] * weight_scales[o] + bias[o];
        }
        std::fill(actual.begin(), actual.end(), std::numeric_limits<float>::quiet_NaN());
        int8_overwrite->forward(x, rows, actual);
        EXPECT_LE(ops::relative_error(actual, values), 1e-6);

        std::vector<float> residual = random_tokens(rows, out, rng);
        std::vector<float> expected = residual;
        for (size_t i = 0; i < expected.size(); ++i) expected[i] += values[i];
        int8_accumulate->forward(x, rows, residual);
        EXPECT_LE(ops::relative_error(residual, expected), 1e-6);
      }
    }
  }
}

TEST(PreparedLinear, RejectsMismatchedSizes) {
  const std::vector<float> weight(6), x(6);
  std::vector<float> long_y(5);
  const auto layer = make_prepared_linear({3, 2, weight, {}}, LinearOutput::overwrite);
  EXPECT_THAT([&] { layer->forward(x, 2, long_y); },
              ThrowsMessage<Error>(StrEq("linear layer [2,3] got 6 inputs and 5 outputs for 2 rows")));
  EXPECT_THAT([&] { make_prepared_linear({3, 3, weight, {}}, LinearOutput::overwrite); },
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

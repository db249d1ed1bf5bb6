#include "ufb/ops/attention.h"

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

// docs/model.md §2.3 with plain loops in double, one (sequence, head, query) at a time.
std::vector<float> reference_attention(const std::vector<float>& qkv, const AttentionShape& shape,
                                       float scale, std::span<const AttentionSequence> sequences,
                                       std::vector<float> context) {
  const int64_t hidden = shape.hidden();
  const int64_t d = shape.head_dim;
  for (const AttentionSequence& s : sequences) {
    for (int64_t head = 0; head < shape.heads; ++head) {
      for (int64_t i = 0; i < s.rows; ++i) {
        const float* query = &qkv[(s.first_row + i) * 3 * hidden + head * 3 * d];
        std::vector<double> scores(s.rows);
        double max = -INFINITY;
        for (int64_t j = 0; j < s.rows; ++j) {
          const float* key = &qkv[(s.first_row + j) * 3 * hidden + head * 3 * d + d];
          double dot = 0.0;
          for (int64_t c = 0; c < d; ++c) dot += double{query[c]} * key[c];
          scores[j] = dot * scale + (j < s.real_tokens ? 0.0 : -10000.0);
          max = std::max(max, scores[j]);
        }
        double sum = 0.0;
        for (double& score : scores) sum += (score = std::exp(score - max));
        for (int64_t c = 0; c < d; ++c) {
          double value = 0.0;
          for (int64_t j = 0; j < s.rows; ++j) {
            value += scores[j] / sum * qkv[(s.first_row + j) * 3 * hidden + head * 3 * d + 2 * d + c];
          }
          context[(s.first_row + i) * hidden + head * d + c] = static_cast<float>(value);
        }
      }
    }
  }
  return context;
}

TEST(SelfAttention, MatchesTheReferenceOnAwkwardShapes) {
  std::mt19937 rng(3);
  // Rows 0-6: a sequence with 2 padding keys; 7: a single token; 8-9 belong to no sequence;
  // 10-49: 40 rows, all real; 50-52: one real key and two padding ones.
  const std::vector<AttentionSequence> sequences = {
      {0, 7, 5}, {7, 1, 1}, {10, 40, 40}, {50, 3, 1}};
  const int64_t total_rows = 53;
  for (const AttentionShape shape : {AttentionShape{1, 1}, AttentionShape{3, 5},
                                     AttentionShape{2, 64}, AttentionShape{12, 7}}) {
    SCOPED_TRACE(std::to_string(shape.heads) + " heads of " + std::to_string(shape.head_dim));
    const std::vector<float> qkv = random_tokens(total_rows, 3 * shape.hidden(), rng);
    const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
    const std::vector<float> untouched(total_rows * shape.hidden(), -7.0f);
    const std::vector<float> expected = reference_attention(qkv, shape, scale, sequences, untouched);
    std::vector<float> actual = untouched;
    self_attention(qkv, shape, scale, sequences, actual);
    EXPECT_LE(ops::relative_error(actual, expected), 1e-6);
    for (int64_t i = 8 * shape.hidden(); i < 10 * shape.hidden(); ++i) ASSERT_EQ(actual[i], -7.0f);
  }
}

TEST(SelfAttention, PaddingKeysGetNoWeight) {
  // A real query over 2 real keys and 3 padding keys equals the same query over the 2 real
  // keys alone: exp(−10000) is 0 in float32.
  std::mt19937 rng(4);
  const AttentionShape shape{2, 4};
  const std::vector<float> qkv = random_tokens(5, 3 * shape.hidden(), rng);
  std::vector<float> padded(5 * shape.hidden());
  std::vector<float> alone(2 * shape.hidden());
  const std::vector<AttentionSequence> with_padding = {{0, 5, 2}};
  const std::vector<AttentionSequence> real_only = {{0, 2, 2}};
  self_attention(qkv, shape, 0.5f, with_padding, padded);
  self_attention(std::span(qkv).first(2 * 3 * shape.hidden()), shape, 0.5f, real_only, alone);
  EXPECT_EQ(std::vector<float>(padded.begin(), padded.begin() + 2 * shape.hidden()), alone);
}

TEST(SelfAttention, RejectsSequencesOutsideTheRows) {
  const std::vector<float> qkv(4 * 3 * 6);
  std::vector<float> context(4 * 6);
  const std::vector<AttentionSequence> sequences = {{2, 3, 3}};
  EXPECT_THAT([&] { self_attention(qkv, {2, 3}, 1.0f, sequences, context); },
              ThrowsMessage<Error>(StrEq(
                  "attention: sequence 0 (rows 2+3, 3 real) does not fit 4 rows")));
  std::vector<float> short_context(20);
  EXPECT_THAT([&] { self_attention(qkv, {4, 3}, 1.0f, sequences, short_context); },
              ThrowsMessage<Error>(StrEq(
                  "attention: 72 qkv values and 20 context values do not fit hidden size 12")));
}

}  // namespace
}  // namespace ufb::ops

#include "ufb/ops/attention.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "ufb/ops/compare.h"
#include "ufb/error.h"
#include "ufb/ops/synthetic.h"
#include "ufb/threads.h"
#include "ops/quantized_attention.h"

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

// Kernels run on `threads` threads while this is in scope.
class ThreadCount {
 public:
  explicit ThreadCount(int threads) : previous_(num_threads()) { set_num_threads(threads); }
  ~ThreadCount() { set_num_threads(previous_); }
  ThreadCount(const ThreadCount&) = delete;
  ThreadCount& operator=(const ThreadCount&) = delete;

 private:
  int previous_;
};

// The float32 attention and the int8 one (--dtype int8), which has the same contract. The int8
// products carry three quantization errors (queries and keys 1/254 of their row's largest
// magnitude, probabilities 1/510 of the row's largest, values 1/254 of the column's): 0.16-0.61 %
// of the context in the test below; a wrong scale, head or transposition costs 30 % or more.
struct Variant {
  const char* name;
  void (*attend)(std::span<const float> qkv, const AttentionShape& shape, float score_scale,
                 std::span<const AttentionSequence> sequences, std::span<float> context);
  double tolerance;
};

const Variant kVariants[] = {
    {"f32",
     [](std::span<const float> qkv, const AttentionShape& shape, float score_scale,
        std::span<const AttentionSequence> sequences, std::span<float> context) {
       self_attention(qkv, shape, score_scale, sequences, context);
     },
     1e-6},
    {"int8", self_attention_int8, 0.015},
};

TEST(SelfAttention, MatchesTheReferenceOnAwkwardShapes) {
  std::mt19937 rng(3);
  // Rows 0-6: a sequence with 2 padding keys; 7: a single token; 8-9 belong to no sequence;
  // 10-49: 40 rows, all real; 50-52: one real key and two padding ones; 53-182: 130 rows, 97 real.
  const std::vector<AttentionSequence> sequences = {
      {0, 7, 5}, {7, 1, 1}, {10, 40, 40}, {50, 3, 1}, {53, 130, 97}};
  const int64_t total_rows = 183;
  for (const AttentionShape shape : {AttentionShape{1, 1}, AttentionShape{3, 5}, AttentionShape{2, 64},
                                     AttentionShape{12, 7}, AttentionShape{4, 33}}) {
    const std::vector<float> qkv = random_tokens(total_rows, 3 * shape.hidden(), rng);
    const float scale = 1.0f / std::sqrt(static_cast<float>(shape.head_dim));
    const std::vector<float> untouched(total_rows * shape.hidden(), -7.0f);
    const std::vector<float> expected = reference_attention(qkv, shape, scale, sequences, untouched);
    // 2 threads take the 5 sequences one each at a time, 8 threads share each sequence.
    for (const int threads : {2, 8}) {
      const ThreadCount thread_count(threads);
      for (const Variant& variant : kVariants) {
        SCOPED_TRACE(std::string(variant.name) + ", " + std::to_string(shape.heads) + " heads of " +
                     std::to_string(shape.head_dim) + ", " + std::to_string(threads) + " threads");
        std::vector<float> actual = untouched;
        variant.attend(qkv, shape, scale, sequences, actual);
        EXPECT_LE(ops::relative_error(actual, expected), variant.tolerance);
        for (int64_t i = 8 * shape.hidden(); i < 10 * shape.hidden(); ++i) ASSERT_EQ(actual[i], -7.0f);
      }
    }
  }
}

TEST(SelfAttention, PaddingKeysGetNoWeight) {
  // Real queries over 4 real keys and 5 padding keys equal the same queries over the 4 real
  // keys alone: exp(−10000) is 0 in float32, and int8 leaves padding values out of its value
  // scales (the padding rows are made large to show it).
  std::mt19937 rng(4);
  const AttentionShape shape{3, 16};
  std::vector<float> qkv = random_tokens(9, 3 * shape.hidden(), rng);
  for (int64_t i = 4 * 3 * shape.hidden(); i < 9 * 3 * shape.hidden(); ++i) qkv[i] *= 100.0f;
  const std::vector<AttentionSequence> with_padding = {{0, 9, 4}};
  const std::vector<AttentionSequence> real_only = {{0, 4, 4}};
  for (const Variant& variant : kVariants) {
    SCOPED_TRACE(variant.name);
    std::vector<float> padded(9 * shape.hidden());
    std::vector<float> alone(4 * shape.hidden());
    variant.attend(qkv, shape, 0.25f, with_padding, padded);
    variant.attend(std::span(qkv).first(4 * 3 * shape.hidden()), shape, 0.25f, real_only, alone);
    EXPECT_EQ(std::vector<float>(padded.begin(), padded.begin() + 4 * shape.hidden()), alone);
  }
}

TEST(SelfAttention, RejectsSequencesOutsideTheRows) {
  const std::vector<float> qkv(4 * 3 * 6);
  std::vector<float> context(4 * 6);
  const std::vector<AttentionSequence> sequences = {{2, 3, 3}};
  for (const Variant& variant : kVariants) {
    EXPECT_THAT([&] { variant.attend(qkv, {2, 3}, 1.0f, sequences, context); },
                ThrowsMessage<Error>(StrEq("attention: sequence 0 (rows 2+3, 3 real) does not fit 4 rows")));
  }
  std::vector<float> short_context(20);
  EXPECT_THAT([&] { self_attention(qkv, {4, 3}, 1.0f, sequences, short_context); },
              ThrowsMessage<Error>(StrEq(
                  "attention: 72 qkv values and 20 context values do not fit hidden size 12")));
}

}  // namespace
}  // namespace ufb::ops

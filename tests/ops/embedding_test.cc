#include "ops/embedding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "ufb/error.h"

namespace ufb::ops {
namespace {

using ::testing::StrEq;
using ::testing::ThrowsMessage;

TEST(SinusoidalPositions, FollowTheFormula) {
  for (int64_t hidden : {1, 2, 7, 768}) {
    const int64_t positions = 128;
    const std::vector<float> table = sinusoidal_positions(positions, hidden);
    ASSERT_EQ(table.size(), static_cast<size_t>(positions * hidden));
    for (int64_t p = 0; p < positions; ++p) {
      for (int64_t c = 0; c < hidden; ++c) {
        const int64_t i = c / 2;
        const double angle = p * std::exp(2.0 * i * (-std::log(10000.0) / hidden));
        const double expected = c % 2 == 0 ? std::sin(angle) : std::cos(angle);
        // float32 angles (as PyTorch computes them) are off by up to p·2^-24.
        ASSERT_NEAR(table[p * hidden + c], expected, 2e-5) << "p " << p << ", column " << c;
      }
    }
  }
}

TEST(EmbedSequence, AddsScaledPositionsToWordRows) {
  const int64_t hidden = 3;
  const std::vector<float> words = {0, 1, 2, 10, 11, 12, 20, 21, 22};
  const std::vector<float> positions = {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4};
  const std::vector<int32_t> ids = {2, 0, 2};
  std::vector<float> out(9);
  embed_sequence(words, hidden, ids, positions, 0.5f, out);
  EXPECT_EQ(out, (std::vector<float>{20.5f, 21.5f, 22.5f, 1, 2, 3, 21.5f, 22.5f, 23.5f}));
}

TEST(EmbedSequence, RejectsIdsOutsideTheTable) {
  const std::vector<float> words(6), positions(6);
  std::vector<float> out(4);
  const std::vector<int32_t> ids = {1, 3};
  EXPECT_THAT([&] { embed_sequence(words, 2, ids, positions, 1.0f, out); },
              ThrowsMessage<Error>(StrEq(
                  "embedding: token id 3 at position 1 is outside the vocabulary of 3")));
  const std::vector<int32_t> too_many = {0, 0, 0, 0};
  EXPECT_THAT([&] { embed_sequence(words, 2, too_many, positions, 1.0f, out); },
              ThrowsMessage<Error>(StrEq("embedding: a table of 6 values, 6 position values and "
                                         "4 outputs do not fit 4 tokens of width 2")));
}

}  // namespace
}  // namespace ufb::ops

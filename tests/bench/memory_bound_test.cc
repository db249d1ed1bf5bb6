// The memory-hierarchy bound's arithmetic, on numbers worked out by hand.
#include "memory_bound.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ufb::bench {
namespace {

constexpr int64_t kL2 = 50 << 20;

FffTraffic ultrafastbert(int64_t batch, int weight_bytes, int64_t l2 = kL2) {
  return {768, 11, 1, batch, weight_bytes, l2};
}

TEST(MemoryBound, DistinctNodes) {
  EXPECT_DOUBLE_EQ(expected_distinct_nodes(11, 1), 12);        // one path
  EXPECT_DOUBLE_EQ(expected_distinct_nodes(1, 2), 1 + 2 * 0.75);  // the second level: 2 (1 - 1/4)
  EXPECT_NEAR(expected_distinct_nodes(11, 1 << 20), 4095, 1e-6);
  // The 2048-node last level reached by 2048 tokens: 2048 (1 - (1 - 1/2048)^2048) ~ 2048 (1 - 1/e).
  EXPECT_NEAR(expected_distinct_nodes(11, 2048) - expected_distinct_nodes(10, 2048), 2048 * (1 - std::exp(-1.0)), 0.5);
}

TEST(MemoryBound, LayerSizes) {
  EXPECT_DOUBLE_EQ(node_bytes(ultrafastbert(1, 4)), 6144);
  EXPECT_DOUBLE_EQ(node_bytes(ultrafastbert(1, 2)), 3072);
  EXPECT_DOUBLE_EQ(weight_set_bytes(ultrafastbert(1, 4)), 4095.0 * (6144 + 4));
}

TEST(MemoryBound, SmallBatchMovesOnePathThroughL2Only) {
  const MemoryTraffic traffic = compulsory_traffic(ultrafastbert(1, 4));
  EXPECT_DOUBLE_EQ(traffic.l2_bytes, 768 * 8 + 4 + 12 * 6144);
  EXPECT_DOUBLE_EQ(traffic.hbm_bytes, 0);
  EXPECT_DOUBLE_EQ(per_token_traffic(ultrafastbert(1, 4)).l2_bytes, traffic.l2_bytes);
}

TEST(MemoryBound, LargeBatchStreamsActivationsFromHbm) {
  const int64_t batch = 65536;
  const double activations = batch * (768.0 * 8 + 4);
  const MemoryTraffic compulsory = compulsory_traffic(ultrafastbert(batch, 2));
  EXPECT_DOUBLE_EQ(compulsory.hbm_bytes, activations);
  EXPECT_NEAR(compulsory.l2_bytes, activations + 4095 * 3072.0, 1.0);
  const MemoryTraffic per_token = per_token_traffic(ultrafastbert(batch, 2));
  EXPECT_DOUBLE_EQ(per_token.hbm_bytes, activations);
  EXPECT_DOUBLE_EQ(per_token.l2_bytes, activations + batch * 12 * 3072.0);
  // 1 TB/s HBM, 4 TB/s L2: the per-token L2 reads (2.8 GB) take longer than the activations.
  const Bandwidths bandwidths{1e12, 4e12};
  EXPECT_DOUBLE_EQ(per_token.seconds(bandwidths), per_token.l2_bytes / 4e12);
  EXPECT_DOUBLE_EQ(compulsory.seconds(bandwidths), activations / 1e12);
}

TEST(MemoryBound, WeightsLargerThanL2ComeFromHbm) {
  const MemoryTraffic traffic = compulsory_traffic(ultrafastbert(1, 4, 1 << 20));
  EXPECT_DOUBLE_EQ(traffic.hbm_bytes, 768 * 8 + 4 + 12 * 6144);
}

}  // namespace
}  // namespace ufb::bench

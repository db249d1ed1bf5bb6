// Run under `mpiexec -n 2` by ctest: the collectives every rank calls give each rank the same,
// expected result. A plain GoogleTest main: each rank runs every test.
#include <gtest/gtest.h>

#include <numeric>
#include <string>

#include "ufb/distributed/communicator.h"

namespace ufb::distributed {
namespace {

TEST(UnderMpi, TwoRanks) { EXPECT_EQ(Communicator::world().size(), 2); }

TEST(UnderMpi, AllreduceSumsElementWiseOnEveryRank) {
  const Communicator& world = Communicator::world();
  // Rank r contributes (r + 1) · i, so the sum is 3i for two ranks.
  std::vector<float> values(1001);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>((world.rank() + 1) * i);
  world.allreduce_sum(values);
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(values[i], 3.0f * i) << i;
  std::vector<double> one = {0.5 * (world.rank() + 1)};
  world.allreduce_sum(one);
  EXPECT_EQ(one[0], 1.5);
}

TEST(UnderMpi, GatherConcatenatesInRankOrderOnRootOnly) {
  const Communicator& world = Communicator::world();
  const std::string part = world.rank() == 0 ? "first," : "second";
  const std::vector<std::byte> all = world.gather_to_root(std::as_bytes(std::span(part)));
  if (world.is_root()) {
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(all.data()), all.size()), "first,second");
  } else {
    EXPECT_TRUE(all.empty());
  }
}

}  // namespace
}  // namespace ufb::distributed

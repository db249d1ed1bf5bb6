#include "ufb/distributed/communicator.h"

#include <gtest/gtest.h>

#include <string>

namespace ufb::distributed {
namespace {

TEST(Shard, ContiguousBalancedAndCoveringEveryItem) {
  for (const size_t count : {0u, 1u, 2u, 7u, 100u, 101u}) {
    for (const int size : {1, 2, 3, 8}) {
      size_t next = 0;
      for (int rank = 0; rank < size; ++rank) {
        const Shard shard = shard_of(count, rank, size);
        EXPECT_EQ(shard.begin, next) << count << " " << rank << "/" << size;
        const size_t items = shard.end - shard.begin;
        EXPECT_TRUE(items == count / size || items == count / size + 1);
        next = shard.end;
      }
      EXPECT_EQ(next, count);
    }
  }
  EXPECT_EQ(shard_of(7, 0, 2).end, 4u);  // the first ranks take the remainder
}

TEST(Communicator, APlainProcessIsAJobOfOne) {
  const Communicator& world = Communicator::world();
  EXPECT_EQ(world.size(), 1);
  EXPECT_TRUE(world.is_root());
  const std::string text = "abc";
  const std::vector<std::byte> gathered = world.gather_to_root(std::as_bytes(std::span(text)));
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(gathered.data()), gathered.size()), text);
}

}  // namespace
}  // namespace ufb::distributed

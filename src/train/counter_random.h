#pragma once

// Counter-based random numbers: a draw is a pure function of a key and a counter, so dropout
// masks and MLM masking depend only on (seed, step, global sample index, site, element) — not on
// the thread, the batch split or, later, the rank that computes them.

#include <cstdint>

namespace ufb::train {

class CounterRandom {
 public:
  explicit constexpr CounterRandom(uint64_t seed) : key_(mix(seed ^ 0x9e3779b97f4a7c15ULL)) {}

  // An independent stream for a sub-key (a step, a sample, a layer).
  constexpr CounterRandom child(uint64_t sub_key) const {
    return CounterRandom(Key{mix(key_ ^ mix(sub_key + 0x632be59bd9b4e019ULL))});
  }
  constexpr uint64_t bits(uint64_t counter) const {
    return mix(key_ + mix(counter ^ 0xd1b54a32d192ed03ULL));
  }
  // Uniform in [0, 1) with 53 random bits.
  constexpr double uniform(uint64_t counter) const {
    return static_cast<double>(bits(counter) >> 11) * 0x1.0p-53;
  }

 private:
  struct Key {
    uint64_t value;
  };
  explicit constexpr CounterRandom(Key key) : key_(key.value) {}

  // SplitMix64's finaliser: a bijection that mixes every input bit into every output bit.
  static constexpr uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  uint64_t key_;
};

}  // namespace ufb::train

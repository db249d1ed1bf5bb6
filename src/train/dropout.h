#pragma once

#include <cstdint>
#include <span>

#include "train/counter_random.h"

namespace ufb::train {

// Inverted dropout scales: out[i] = 0 with probability p, else 1/(1−p), element i drawn from
// counter first_counter + i of `random`. p = 0 gives all ones.
template <class T>
void dropout_scales(const CounterRandom& random, uint64_t first_counter, double probability,
                    std::span<T> out) {
  const T keep_scale = static_cast<T>(1.0 / (1.0 - probability));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = random.uniform(first_counter + i) < probability ? T{0} : keep_scale;
  }
}

}  // namespace ufb::train

#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace ufb::bench {

struct TimingStats {
  double median_seconds = 0;  // per call
  double min_seconds = 0;
  double max_seconds = 0;
  int repeats = 0;
};

// Median, min and max of per-call samples (not empty), and their count.
TimingStats summarize_samples(std::vector<double> per_call_seconds);

// Times `call(i)` (i = 0, 1, ... so a caller can rotate inputs). After a warm-up, calls are
// grouped into repeats of at least ~1 ms, so that clock overhead never dominates; repeats go on
// until both `min_repeats` and `min_total_seconds` are reached. Statistics are per call.
TimingStats time_calls(const std::function<void(int64_t)>& call, double min_total_seconds,
                       int min_repeats);

}  // namespace ufb::bench

#include "timing.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

namespace ufb::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

TimingStats summarize_samples(std::vector<double> per_call_seconds) {
  std::sort(per_call_seconds.begin(), per_call_seconds.end());
  const size_t n = per_call_seconds.size();
  const double median =
      n % 2 ? per_call_seconds[n / 2] : 0.5 * (per_call_seconds[n / 2 - 1] + per_call_seconds[n / 2]);
  return {median, per_call_seconds.front(), per_call_seconds.back(), static_cast<int>(n)};
}

TimingStats time_calls(const std::function<void(int64_t)>& call, double min_total_seconds,
                       int min_repeats) {
  constexpr double kMinRepeatSeconds = 1e-3;
  int64_t next_call = 0;
  call(next_call++);  // warm-up: caches, lazily prepared state
  const Clock::time_point probe_start = Clock::now();
  call(next_call++);
  const double one_call = std::max(seconds_since(probe_start), 1e-9);
  const int64_t calls_per_repeat = std::max<int64_t>(1, static_cast<int64_t>(kMinRepeatSeconds / one_call));

  std::vector<double> per_call;
  double total = 0;
  while (static_cast<int>(per_call.size()) < min_repeats || total < min_total_seconds) {
    const Clock::time_point start = Clock::now();
    for (int64_t i = 0; i < calls_per_repeat; ++i) call(next_call++);
    const double elapsed = seconds_since(start);
    total += elapsed;
    per_call.push_back(elapsed / static_cast<double>(calls_per_repeat));
  }
  return summarize_samples(std::move(per_call));
}

}  // namespace ufb::bench

#pragma once

// How many inference requests may be in flight at once (--max-concurrent-requests); one more
// is answered 429 at once instead of queueing without bound.

#include <atomic>
#include <cstddef>

namespace ufb::serve {

class Admission {
 public:
  explicit Admission(size_t max_in_flight) : max_in_flight_(max_in_flight) {}

  // False when max_in_flight requests hold a place already.
  bool try_admit() {
    size_t current = in_flight_.load();
    while (current < max_in_flight_) {
      if (in_flight_.compare_exchange_weak(current, current + 1)) return true;
    }
    return false;
  }
  void release() { in_flight_.fetch_sub(1); }
  size_t in_flight() const { return in_flight_.load(); }

 private:
  const size_t max_in_flight_;
  std::atomic<size_t> in_flight_{0};
};

}  // namespace ufb::serve

#pragma once

// Puts results that arrive out of order (batches of inputs sorted by length) back in input
// order: each result is handed on as soon as every earlier input's has been.

#include <cstddef>
#include <functional>
#include <map>
#include <utility>

namespace ufb::cli {

template <class Result>
class InOrder {
 public:
  // `emit(index, result)` is called for first, first + 1, ... in that order.
  InOrder(size_t first, std::function<void(size_t, Result&&)> emit) : next_(first), emit_(std::move(emit)) {}

  void put(size_t index, Result result) {
    waiting_.emplace(index, std::move(result));
    for (auto found = waiting_.find(next_); found != waiting_.end(); found = waiting_.find(next_)) {
      emit_(next_, std::move(found->second));
      waiting_.erase(found);
      ++next_;
    }
  }

  // Whether every result put so far has been handed on.
  bool drained() const { return waiting_.empty(); }

 private:
  size_t next_;
  std::function<void(size_t, Result&&)> emit_;
  std::map<size_t, Result> waiting_;
};

}  // namespace ufb::cli

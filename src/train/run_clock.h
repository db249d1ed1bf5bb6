#pragma once

// A training run's clock: seconds of training over all resumed runs, as rank 0 counts them, so
// that every rank takes the same learning rate and stops at the same step of a time budget.

#include <chrono>
#include <span>

#include "ufb/distributed/communicator.h"

namespace ufb::train {

class RunClock {
 public:
  // `elapsed_before`: the seconds the runs this one resumes took.
  RunClock(const distributed::Communicator& communicator, double elapsed_before)
      : communicator_(communicator), elapsed_before_(elapsed_before), start_(std::chrono::steady_clock::now()) {}

  // A collective: every rank calls it at the same point of the run.
  double elapsed() const {
    double elapsed = elapsed_before_ + std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    communicator_.broadcast_from_root(std::span<double>(&elapsed, 1));
    return elapsed;
  }

 private:
  const distributed::Communicator& communicator_;
  double elapsed_before_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace ufb::train

#pragma once

// A training run's log: at each logged step, the mean loss and the throughput since the last log
// line, appended as one JSON line to OUT/log.jsonl and passed to the run's report callback (both
// on rank 0 only).

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>

#include "ufb/train/mlm_trainer.h"

namespace ufb::train {

class ProgressLog {
 public:
  // `log`: the open log.jsonl on rank 0, null on the other ranks (which only count). The first
  // interval starts at `elapsed_seconds` of the run (a resumed run counts on).
  ProgressLog(std::ostream* log, std::function<void(const TrainingProgress&)> report, double elapsed_seconds);

  // One optimizer step: the global batch's loss and the tokens it held.
  void add_step(double loss, int64_t tokens);

  // Ends the interval at progress.elapsed_seconds: sets progress's loss (the mean over the
  // interval's steps), tokens/s and communication share (of `communication_seconds`, the
  // interval's time in all-reduce), writes `fields` (the run's own keys) with step, loss, lr,
  // grad_norm, tokens_per_s, elapsed_s and comm_share, and reports.
  void write(TrainingProgress progress, double communication_seconds, nlohmann::json fields);

 private:
  std::ostream* log_;
  std::function<void(const TrainingProgress&)> report_;
  double interval_start_;
  double loss_sum_ = 0;
  int64_t steps_ = 0;
  int64_t tokens_ = 0;
};

}  // namespace ufb::train

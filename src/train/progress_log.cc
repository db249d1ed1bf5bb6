#include "train/progress_log.h"

#include <algorithm>

namespace ufb::train {

ProgressLog::ProgressLog(std::ostream* log, std::function<void(const TrainingProgress&)> report,
                         double elapsed_seconds)
    : log_(log), report_(std::move(report)), interval_start_(elapsed_seconds) {}

void ProgressLog::add_step(double loss, int64_t tokens) {
  loss_sum_ += loss;
  ++steps_;
  tokens_ += tokens;
}

void ProgressLog::write(TrainingProgress progress, double communication_seconds, nlohmann::json fields) {
  const double interval = std::max(progress.elapsed_seconds - interval_start_, 1e-9);
  progress.loss = loss_sum_ / static_cast<double>(std::max<int64_t>(steps_, 1));
  progress.tokens_per_second = static_cast<double>(tokens_) / interval;
  progress.communication_share = std::min(communication_seconds / interval, 1.0);
  loss_sum_ = 0;
  steps_ = 0;
  tokens_ = 0;
  interval_start_ = progress.elapsed_seconds;
  if (log_ == nullptr) return;
  fields["step"] = progress.step;
  fields["loss"] = progress.loss;
  fields["lr"] = progress.learning_rate;
  fields["grad_norm"] = progress.grad_norm;
  fields["tokens_per_s"] = progress.tokens_per_second;
  fields["elapsed_s"] = progress.elapsed_seconds;
  fields["comm_share"] = progress.communication_share;
  *log_ << fields.dump() << "\n" << std::flush;
  report_(progress);
}

}  // namespace ufb::train

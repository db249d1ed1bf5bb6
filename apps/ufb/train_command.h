#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>
#include <string>

#include "ufb/train/lr_schedule.h"
#include "ufb/train/mlm_trainer.h"

namespace ufb::cli {

// `ufb train mlm`: masked-LM pretraining from a text folder; `ufb train glue`: fine-tuning.
void add_train_command(CLI::App& app);

// A training run's progress line (redrawn in place on stderr) and one-off status messages.
void print_training_progress(const train::TrainingProgress& progress);
void print_training_status(const std::string& message);

// How long a resumable run trains, as its command line gives it (train mlm, distill).
struct RunFlags {
  std::string resume, budget, schedule = "linear";
  int threads = 0;

  // Sets the run's options from the flags (and the threads of this process).
  void apply(std::optional<std::filesystem::path>& resume_dir, double& budget_seconds,
             train::ScheduleKind& schedule_kind) const;
};

// "2h", "90m", "45s", "1.5h" or plain seconds. Throws ufb::Error naming the flag.
double parse_duration_seconds(const std::string& text);

}  // namespace ufb::cli

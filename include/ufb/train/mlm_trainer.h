#pragma once

// Masked-LM pretraining from a text folder (what `ufb train mlm` runs): cramming's recipe —
// AdamW, global-norm clipping, a warm-up + linear-decay schedule over a step or time budget,
// 25 % masking, no dropout by default (cramming pretrains in eval mode) — with checkpoints that
// resume bit for bit.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "ufb/distributed/communicator.h"
#include "ufb/train/adamw.h"
#include "ufb/train/lr_schedule.h"

namespace ufb::train {

struct MlmTrainingOptions {
  std::filesystem::path config_file;
  std::filesystem::path tokenizer_file;
  std::filesystem::path data_dir;
  std::filesystem::path out_dir;
  std::optional<std::filesystem::path> resume_dir;
  // Start from this model directory's weights (a pretrained checkpoint; a BERT encoder gets a
  // fresh masked-LM head where it has none) with a fresh optimizer, instead of initialising.
  std::optional<std::filesystem::path> init_dir;
  int64_t steps = 0;          // total optimizer steps; 0: train for budget_seconds
  double budget_seconds = 0;  // total training time (over resumed runs), when steps is 0
  // Stop (with a checkpoint) after this many steps of this run, the schedule still that of the
  // whole budget: training in pieces, each resumed from the last. 0: no such stop.
  int64_t stop_after = 0;
  uint64_t seed = 0;
  int64_t batch_size = 32;  // sequences per micro-batch, over all ranks of the job
  int64_t accumulation = 1;
  LrSchedule schedule{ScheduleKind::linear, 1e-3, 0.5};
  AdamWOptions adamw;
  double clip_norm = 0.5;
  double mask_probability = 0.25;
  bool dropout = false;  // the config's dropout rates; cramming pretrains without
  int64_t log_every = 10;
  int64_t checkpoint_every = 500;
};

struct TrainingProgress {
  int64_t step = 0;
  double loss = 0;  // mean over the steps since the last report
  double learning_rate = 0;
  double grad_norm = 0;
  double tokens_per_second = 0;  // of the whole job
  double elapsed_seconds = 0;
  double progress = 0;  // fraction of the budget done
  double communication_share = 0;  // of the wall time, spent summing gradients over the ranks
};

// Runs the training, data-parallel over the ranks of `communicator` (DataParallel): every rank
// calls it with the same options and reads `data_dir` (and `resume_dir`); rank 0 alone writes
// OUT (token cache, log, checkpoints) and is the only one to call `report`, at each logged step
// (after the step is appended to OUT/log.jsonl), and `status`, with one-off messages (data
// preparation). Throws ufb::Error for bad input (vocab_size not matching the tokenizer, no mask
// token, a resume directory that does not fit the run).
void train_mlm(const MlmTrainingOptions& options, const distributed::Communicator& communicator,
               const std::function<void(const TrainingProgress&)>& report,
               const std::function<void(const std::string&)>& status);

}  // namespace ufb::train

#pragma once

// Distilling a dense BERT-family model into an FFF one (what `ufb distill` runs;
// docs/distillation.md): the student is the teacher with every dense feedforward block replaced
// by FFF trees (docs/model.md §5), everything else copied.
//
// Stage 1, per layer: the trees are fitted (train/fff_fit.h) to the teacher's feedforward map on
// the inputs the teacher gives that block for real text.
// Stage 2, whole model: the FFF parameters alone learn to match the teacher's final hidden states
// (mean squared error over the real tokens) and its mean-pooled sentence embeddings (1 − cosine),
// routing hard throughout: stage 1 already routes well, and hard routing is what inference runs.
//
// OUT is a training checkpoint (training_checkpoint.h) after stage 1 (step 0) and every
// `checkpoint_every` steps of stage 2, plus the teacher's other files (tokenizer, sentence-
// transformers modules), so `ufb embed --model OUT` runs the student at any of them.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ufb/distributed/communicator.h"
#include "ufb/train/adamw.h"
#include "ufb/train/fff_fit.h"
#include "ufb/train/lr_schedule.h"
#include "ufb/train/mlm_trainer.h"

namespace ufb::train {

struct DistillationOptions {
  std::filesystem::path teacher_dir;
  std::filesystem::path tokenizer_file;  // empty: the teacher's tokenizer.json
  std::vector<std::filesystem::path> data_files;  // one text per line
  std::filesystem::path out_dir;
  // Continue stage 2 from this checkpoint of an earlier run (stage 1 is not redone).
  std::optional<std::filesystem::path> resume_dir;
  FffFitOptions fit;
  int64_t max_length = 0;       // tokens per text, special tokens included; 0: the teacher's limit
  int64_t fit_tokens = 65536;   // stage 1: token samples per layer
  // Stage 2: optimizer steps in total, or training time (over resumed runs) when steps is 0;
  // both 0: stage 1 only.
  int64_t steps = 0;
  double budget_seconds = 0;
  uint64_t seed = 0;
  int64_t batch_size = 32;  // texts per step, over all ranks
  LrSchedule schedule{ScheduleKind::linear, 1e-4, 0.05};
  AdamWOptions adamw{0.9, 0.98, 1e-12, 0.0};
  double clip_norm = 1.0;
  double embedding_weight = 1.0;  // of the (1 − cosine) term against the hidden-state MSE
  int64_t log_every = 10;
  int64_t checkpoint_every = 100;
};

// Runs both stages, data-parallel in stage 2 over the ranks of `communicator` (rank 0 alone runs
// stage 1 and writes OUT; `report` and `status` are called on rank 0 only, as train_mlm does).
// Throws ufb::Error for a teacher that is not a dense BERT-family model, unreadable or invalid
// text, or a resume directory that does not fit the run.
void distill(const DistillationOptions& options, const distributed::Communicator& communicator,
             const std::function<void(const TrainingProgress&)>& report,
             const std::function<void(const std::string&)>& status);

}  // namespace ufb::train

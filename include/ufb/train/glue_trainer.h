#pragma once

// Fine-tuning on a GLUE task (what `ufb train glue` runs): a masked-LM (or classification)
// checkpoint gets a fresh pooler and head with the task's number of labels, and the whole model
// trains on the task's train split with dropout, AdamW and a warm-up + linear-decay schedule.
// The output directory is a classification model (config.json with num_labels, model.safetensors,
// the tokenizer) that `ufb eval glue` and `ufb classify` run.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "ufb/train/adamw.h"
#include "ufb/train/lr_schedule.h"
#include "ufb/train/mlm_trainer.h"

namespace ufb::train {

struct GlueTrainingOptions {
  std::string task;  // a GLUE task name: "SST-2", "stsb", ...
  std::filesystem::path model_dir;
  std::filesystem::path data_dir;  // the task's folder, holding its train file
  std::filesystem::path out_dir;
  std::optional<std::filesystem::path> tokenizer_file;  // default: the model directory's
  int64_t epochs = 5;
  int64_t batch_size = 16;  // examples per step, over all ranks of the job
  uint64_t seed = 0;
  LrSchedule schedule{ScheduleKind::linear, 4e-5, 0.1};
  AdamWOptions adamw;
  double clip_norm = 1.0;
  bool dropout = true;  // the config's dropout rates
  int64_t log_every = 10;
};

// Data-parallel over the ranks of `communicator` as train_mlm is: rank 0 alone writes OUT and
// calls `report`, at each logged step, after OUT/log.jsonl got its line, and `status`. Throws
// ufb::Error for an unknown task, missing or malformed files, or a checkpoint whose head does not
// fit the task.
void train_glue(const GlueTrainingOptions& options, const distributed::Communicator& communicator,
                const std::function<void(const TrainingProgress&)>& report,
                const std::function<void(const std::string&)>& status);

}  // namespace ufb::train

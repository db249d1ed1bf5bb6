#pragma once

// A training checkpoint directory: config.json, the tokenizer file, model.safetensors (the
// Hugging Face layout of docs/model.md §3: `ufb fill-mask` and PyTorch load it), optimizer.safetensors
// and trainer_state.json. Every file is written atomically, trainer_state.json last; the step is
// recorded in each, and resuming checks that they agree, so a crash between two files is caught
// instead of mixing two checkpoints.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "ufb/train/adamw.h"
#include "ufb/train/parameters.h"

namespace ufb::train {

struct TrainingState {
  int64_t step = 0;            // optimizer steps taken
  int64_t tokens_seen = 0;
  double elapsed_seconds = 0;  // training time so far, over all resumed runs
  uint64_t seed = 0;
  int64_t batch_size = 0;      // sequences per micro-batch
  int64_t accumulation = 1;    // micro-batches per step
};

void save_training_checkpoint(const std::filesystem::path& dir, std::string_view config_json,
                              const std::filesystem::path& tokenizer_file,
                              const ParameterSet<float>& parameters, const AdamW& optimizer,
                              const TrainingState& state);

// trainer_state.json of `dir`. Throws ufb::Error naming the file and key for a missing or
// malformed state.
TrainingState read_training_state(const std::filesystem::path& dir);

// Restores the optimizer of `dir` and checks that it and model.safetensors belong to `state`.
void restore_optimizer(const std::filesystem::path& dir, const ParameterSet<float>& parameters,
                       const TrainingState& state, AdamW& optimizer);

}  // namespace ufb::train

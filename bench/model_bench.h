#pragma once

// `ufb bench model`: the whole encoder end to end (embedding, every layer, final norm) on
// random token ids of a fixed length, ms per sequence, for UltraFastBERT-1x11 against the same
// encoder with dense feedforward blocks — or for a checkpoint the user gives — with the share
// of time each stage takes.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "timing.h"
#include "ufb/model/encoder.h"
#include "ufb/system_info.h"

namespace ufb::bench {

struct ModelBenchOptions {
  std::filesystem::path model_dir;  // empty: random-weight models of the built-in shapes
  std::vector<int64_t> batches = {1, 8};
  std::vector<int> threads = {1, 2};  // 0 = all cores
  int64_t sequence_length = 128;
  std::vector<std::string> dtypes = {"f32", "bf16", "int8"};
  Device device;  // where the encoder runs (embeddings and heads stay on the CPU threads)
  double min_seconds = 2.0;  // per case, after warm-up
  int min_repeats = 3;
  uint64_t seed = 1;
};

struct ModelBenchResult {
  std::string model;  // "ultrafastbert-1x11", "crammedbert-dense-3072", or the directory
  std::string ff;     // "fff" or "dense"
  int64_t batch = 0;
  int threads = 0;
  int64_t sequence_length = 0;
  std::string dtype;
  Device device;
  TimingStats timing;  // per forward pass of `batch` sequences
  // CPU: summed over every timed pass. GPU: of one more pass that waits for the GPU after each
  // stage (the timed passes do not: they would wait hundreds of times per pass).
  model::EncoderProfile profile;
  // bf16 rows, when f32 was run too: how far one sequence's final hidden states moved
  // (relative to their scale) and the fraction of FFF paths that stayed the same.
  std::optional<double> hidden_error_vs_f32;
  std::optional<double> fff_paths_unchanged;
  int64_t weight_bytes = 0;  // model::Model::weight_bytes at this precision

  double ms_per_sequence(double seconds_per_call) const { return seconds_per_call * 1e3 / batch; }
};

struct ModelBenchReport {
  SystemInfo machine;
  std::vector<ModelBenchResult> results;
};

// Runs every model × dtype × threads × batch case, printing progress to `log`.
ModelBenchReport run_model_bench(const ModelBenchOptions& options, std::ostream& log);

// A table with ms/sequence, sequences/s, the speed-up over the slowest dense model of the same
// case, and the per-stage shares.
void print_model_report(const ModelBenchReport& report, std::ostream& out);

// {"machine": {...}, "results": [{"model", "ff", "batch", "threads", "seq", "dtype",
// "median_ms_per_seq", "min_ms_per_seq", "max_ms_per_seq", "sequences_per_s",
// "stage_share": {...}}]}, written atomically.
void write_model_json(const ModelBenchReport& report, const std::filesystem::path& path);

}  // namespace ufb::bench

#include "model_bench.h"

#include <algorithm>
#include <functional>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "kernel_report.h"
#include "ufb/atomic_file.h"
#include "ufb/error.h"
#include "ufb/model/model.h"
#include "ufb/model/random_checkpoint.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/weight_type.h"
#include "ufb/threads.h"

namespace ufb::bench {
namespace {

// A model to time: its name and configuration, and how to open its checkpoint.
struct BenchModel {
  std::string name;
  io::ModelConfig config;
  std::function<std::unique_ptr<const io::Checkpoint>()> open;
};

// UltraFastBERT-1x11's encoder (docs/model.md §3) with the feedforward block given.
io::ModelConfig ultrafastbert_shape(io::FeedforwardKind ff, int64_t width_or_trees,
                                    int64_t sequence_length) {
  io::ModelConfig config;
  config.num_transformer_layers = 16;
  config.hidden_size = 768;
  config.intermed_type = ff;
  config.intermed_size = width_or_trees;
  config.intermed_depth = ff == io::FeedforwardKind::kFastFeedforward ? 11 : 0;
  config.norm_eps = 1e-12;
  config.embedding.vocab_size = 32768;
  config.embedding.max_seq_length = std::max<int64_t>(128, sequence_length);
  config.embedding.embedding_dim = 768;
  config.attention.num_attention_heads = 12;
  return config;
}

std::vector<BenchModel> models_to_time(const ModelBenchOptions& options) {
  if (!options.model_dir.empty()) {
    return {{options.model_dir.string(), io::read_model_config(options.model_dir / "config.json"),
             [dir = options.model_dir] { return std::make_unique<const io::Checkpoint>(dir); }}};
  }
  const auto random = [&options](std::string name, io::FeedforwardKind ff, int64_t size) {
    const io::ModelConfig config = ultrafastbert_shape(ff, size, options.sequence_length);
    return BenchModel{std::move(name), config,
                      [config, seed = options.seed] { return model::random_checkpoint(config, seed); }};
  };
  return {random("ultrafastbert-1x11", io::FeedforwardKind::kFastFeedforward, 1),
          random("crammedbert-dense-3072", io::FeedforwardKind::kDense, 3072),
          random("dense-4095", io::FeedforwardKind::kDense, 4095)};
}

std::vector<model::TokenIds> random_sequences(int64_t count, int64_t length, int64_t vocab,
                                              uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(vocab - 1));
  std::vector<model::TokenIds> sequences(count, model::TokenIds(length));
  for (model::TokenIds& sequence : sequences) {
    for (int32_t& id : sequence) id = token(rng);
  }
  return sequences;
}

// One sequence's final states and FFF leaves, to compare weight types on.
struct AccuracyProbe {
  std::vector<float> hidden;
  std::vector<std::vector<int32_t>> leaves;
};

AccuracyProbe probe(const model::Model& model, const model::PaddedBatch& batch) {
  model::EncoderTrace trace;
  model::HiddenStates states = model.encoder().forward(batch, model::PaddingRows::compute, &trace);
  return {std::move(states.values), std::move(trace.fff_leaves)};
}

double fraction_unchanged(const std::vector<std::vector<int32_t>>& a,
                          const std::vector<std::vector<int32_t>>& b) {
  int64_t same = 0;
  int64_t total = 0;
  for (size_t layer = 0; layer < a.size(); ++layer) {
    for (size_t i = 0; i < a[layer].size(); ++i) same += a[layer][i] == b[layer][i];
    total += static_cast<int64_t>(a[layer].size());
  }
  return total > 0 ? static_cast<double>(same) / static_cast<double>(total) : 1.0;
}

void time_model(const BenchModel& bench_model, const ModelBenchOptions& options,
                ModelBenchReport& report, std::ostream& log) {
  const io::ModelConfig& config = bench_model.config;
  if (options.sequence_length > config.embedding.max_seq_length) {
    throw Error("--seq " + std::to_string(options.sequence_length) +
                " exceeds the model's max_seq_length " +
                std::to_string(config.embedding.max_seq_length));
  }
  const bool is_fff = config.intermed_type == io::FeedforwardKind::kFastFeedforward;
  std::optional<AccuracyProbe> float32_probe;
  const model::TokenLimits limits{config.embedding.vocab_size, config.embedding.max_seq_length,
                                  static_cast<int32_t>(config.embedding.pad_token_id)};
  const model::PaddedBatch probe_batch = model::pad_batch(
      random_sequences(1, options.sequence_length, config.embedding.vocab_size, options.seed + 1),
      limits);
  for (const std::string& dtype : options.dtypes) {
    log << "preparing " << bench_model.name << " (" << dtype << ") ...\n";
    model::ModelOptions model_options;
    model_options.dtype = ops::parse_weight_type(dtype);
    model_options.device = options.device;
    const model::Model model(bench_model.open(), model_options);
    std::optional<double> hidden_error;
    std::optional<double> paths_unchanged;
    if (dtype == "f32") {
      float32_probe = probe(model, probe_batch);
    } else if (float32_probe) {
      const AccuracyProbe reduced = probe(model, probe_batch);
      hidden_error = ops::relative_error(reduced.hidden, float32_probe->hidden);
      paths_unchanged = fraction_unchanged(reduced.leaves, float32_probe->leaves);
    }
    for (const int threads : options.threads) {
      set_num_threads(threads);
      for (const int64_t batch : options.batches) {
        const model::PaddedBatch padded = model::pad_batch(
            random_sequences(batch, options.sequence_length, config.embedding.vocab_size,
                             options.seed),
            model.limits());
        ModelBenchResult result;
        result.model = bench_model.name;
        result.ff = is_fff ? "fff" : "dense";
        result.batch = batch;
        result.threads = num_threads();
        result.sequence_length = options.sequence_length;
        result.dtype = dtype;
        result.device = options.device;
        model::EncoderProfile profile;
        model::EncoderProfile* timed_profile = options.device.is_cuda() ? nullptr : &profile;
        result.timing = time_calls(
            [&](int64_t) { model.encoder().forward(padded, model::PaddingRows::skip, nullptr, timed_profile); },
            options.min_seconds, options.min_repeats);
        if (!timed_profile) model.encoder().forward(padded, model::PaddingRows::skip, nullptr, &profile);
        result.profile = profile;
        result.hidden_error_vs_f32 = hidden_error;
        result.fff_paths_unchanged = paths_unchanged;
        result.weight_bytes = model.weight_bytes();
        log << "  " << dtype << " threads " << result.threads << " batch " << batch << ": "
            << result.ms_per_sequence(result.timing.median_seconds) << " ms/sequence\n";
        report.results.push_back(result);
      }
    }
  }
}

std::string format_megabytes(int64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

std::string stage_shares(const model::EncoderProfile& profile) {
  std::string text;
  const double total = profile.total_seconds();
  for (int stage = 0; stage < model::EncoderProfile::kStageCount; ++stage) {
    char part[64];
    std::snprintf(part, sizeof(part), "%s%s %.0f%%", text.empty() ? "" : ", ",
                  std::string(model::EncoderProfile::stage_name(
                                  static_cast<model::EncoderProfile::Stage>(stage)))
                      .c_str(),
                  total > 0 ? 100.0 * profile.seconds[stage] / total : 0.0);
    text += part;
  }
  return text;
}

// The f32 crammedBERT-dense-3072 result of the same batch and threads, if it was timed.
const ModelBenchResult* dense_baseline(const ModelBenchReport& report,
                                       const ModelBenchResult& row) {
  for (const ModelBenchResult& other : report.results) {
    if (other.model == "crammedbert-dense-3072" && other.dtype == "f32" &&
        other.batch == row.batch && other.threads == row.threads && other.device == row.device) {
      return &other;
    }
  }
  return nullptr;
}

}  // namespace

ModelBenchReport run_model_bench(const ModelBenchOptions& options, std::ostream& log) {
  ModelBenchReport report{system_info(), {}};
  for (const BenchModel& bench_model : models_to_time(options)) {
    time_model(bench_model, options, report, log);
  }
  return report;
}

void print_model_report(const ModelBenchReport& report, std::ostream& out) {
  char line[512];
  std::snprintf(line, sizeof(line), "CPU: %s (%s), %d cores\n", report.machine.cpu_model.c_str(),
                report.machine.simd_target.c_str(), report.machine.cores);
  out << line;
  std::snprintf(line, sizeof(line), "%-24s %-5s %-5s %-6s %5s %7s %5s %10s %10s %10s %9s %11s\n",
                "model", "ff", "dtype", "device", "batch", "threads", "seq", "ms/seq", "min", "max",
                "seq/s", "vs dense");
  out << line;
  for (const ModelBenchResult& row : report.results) {
    const double median = row.ms_per_sequence(row.timing.median_seconds);
    const ModelBenchResult* dense = dense_baseline(report, row);
    std::string speedup = "-";
    if (dense) {
      char ratio[32];
      std::snprintf(ratio, sizeof(ratio), "%.2fx",
                    dense->timing.median_seconds / row.timing.median_seconds);
      speedup = ratio;
    }
    std::snprintf(line, sizeof(line), "%-24s %-5s %-5s %-6s %5lld %7d %5lld %10.2f %10.2f %10.2f %9.2f %11s\n",
                  row.model.c_str(), row.ff.c_str(), row.dtype.c_str(), to_string(row.device).c_str(),
                  static_cast<long long>(row.batch), row.threads,
                  static_cast<long long>(row.sequence_length), median,
                  row.ms_per_sequence(row.timing.min_seconds),
                  row.ms_per_sequence(row.timing.max_seconds), 1e3 / median, speedup.c_str());
    out << line << "    time share: " << stage_shares(row.profile) << "; weights held: "
        << format_megabytes(row.weight_bytes) << "\n";
    if (row.hidden_error_vs_f32) {
      std::snprintf(line, sizeof(line),
                    "    vs f32: final hidden states relative error %.2e, FFF paths unchanged %.2f%%\n",
                    *row.hidden_error_vs_f32, 100.0 * row.fff_paths_unchanged.value_or(1.0));
      out << line;
    }
  }
}

void write_model_json(const ModelBenchReport& report, const std::filesystem::path& path) {
  nlohmann::json results = nlohmann::json::array();
  for (const ModelBenchResult& row : report.results) {
    nlohmann::json shares = nlohmann::json::object();
    const double total = row.profile.total_seconds();
    for (int stage = 0; stage < model::EncoderProfile::kStageCount; ++stage) {
      shares[std::string(model::EncoderProfile::stage_name(
          static_cast<model::EncoderProfile::Stage>(stage)))] =
          total > 0 ? row.profile.seconds[stage] / total : 0.0;
    }
    const double median = row.ms_per_sequence(row.timing.median_seconds);
    results.push_back({{"model", row.model},
                       {"ff", row.ff},
                       {"batch", row.batch},
                       {"threads", row.threads},
                       {"seq", row.sequence_length},
                       {"dtype", row.dtype},
                       {"device", to_string(row.device)},
                       {"median_ms_per_seq", median},
                       {"min_ms_per_seq", row.ms_per_sequence(row.timing.min_seconds)},
                       {"max_ms_per_seq", row.ms_per_sequence(row.timing.max_seconds)},
                       {"sequences_per_s", 1e3 / median},
                       {"repeats", row.timing.repeats},
                       {"weight_bytes", row.weight_bytes},
                       {"stage_share", shares}});
    if (row.hidden_error_vs_f32) {
      results.back()["hidden_relative_error_vs_f32"] = *row.hidden_error_vs_f32;
      results.back()["fff_paths_unchanged_vs_f32"] = row.fff_paths_unchanged.value_or(1.0);
    }
  }
  const nlohmann::json json = {{"machine", machine_json(report.machine)}, {"results", results}};
  write_file_atomically(path, json.dump(2) + "\n");
}

}  // namespace ufb::bench

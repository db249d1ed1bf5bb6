#include "train/training_checkpoint.h"

#include <nlohmann/json.hpp>

#include "ufb/atomic_file.h"
#include "file_text.h"
#include "ufb/error.h"
#include "io/safetensors.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kStepKey = "step";
constexpr const char* kStateFile = "trainer_state.json";

void check_step(const fs::path& path, const std::map<std::string, std::string>& metadata,
                int64_t step) {
  const auto found = metadata.find(kStepKey);
  if (found == metadata.end() || found->second != std::to_string(step)) {
    throw Error(path.string() + " is not from step " + std::to_string(step) + " of " +
                kStateFile + " (a checkpoint interrupted while being written?)");
  }
}

}  // namespace

void save_training_checkpoint(const fs::path& dir, std::string_view config_json,
                              const fs::path& tokenizer_file, const ParameterSet<float>& parameters,
                              const AdamW& optimizer, const TrainingState& state) {
  fs::create_directories(dir);
  const std::map<std::string, std::string> step = {{kStepKey, std::to_string(state.step)}};
  write_file_atomically(dir / "config.json", config_json);
  const fs::path tokenizer_copy = dir / tokenizer_file.filename();
  if (!fs::exists(tokenizer_copy) || !fs::equivalent(tokenizer_file, tokenizer_copy)) {
    write_file_atomically(tokenizer_copy, read_file_text(tokenizer_file));
  }
  save_weights(dir / "model.safetensors", parameters, step);
  optimizer.save(dir / "optimizer.safetensors", parameters, step);
  const nlohmann::json json = {{"step", state.step},
                               {"tokens_seen", state.tokens_seen},
                               {"elapsed_seconds", state.elapsed_seconds},
                               {"seed", state.seed},
                               {"batch_size", state.batch_size},
                               {"accumulation", state.accumulation}};
  write_file_atomically(dir / kStateFile, json.dump(2) + "\n");
}

TrainingState read_training_state(const fs::path& dir) {
  const fs::path path = dir / kStateFile;
  if (!fs::exists(path)) throw Error("--resume: " + path.string() + " does not exist");
  const nlohmann::json json = nlohmann::json::parse(read_file_text(path), nullptr, false);
  const auto field = [&](const char* key) -> const nlohmann::json& {
    if (!json.is_object() || !json.contains(key) || !json[key].is_number()) {
      throw Error(path.string() + ": expected a number \"" + key + "\"");
    }
    return json[key];
  };
  TrainingState state;
  state.step = field("step").get<int64_t>();
  state.tokens_seen = field("tokens_seen").get<int64_t>();
  state.elapsed_seconds = field("elapsed_seconds").get<double>();
  state.seed = field("seed").get<uint64_t>();
  state.batch_size = field("batch_size").get<int64_t>();
  state.accumulation = field("accumulation").get<int64_t>();
  return state;
}

void restore_optimizer(const fs::path& dir, const ParameterSet<float>& parameters,
                       const TrainingState& state, AdamW& optimizer) {
  check_step(dir / "model.safetensors", io::SafetensorsFile(dir / "model.safetensors").metadata(),
             state.step);
  const fs::path path = dir / "optimizer.safetensors";
  if (!fs::exists(path)) throw Error("--resume: " + path.string() + " does not exist");
  check_step(path, optimizer.load(path, parameters), state.step);
}

}  // namespace ufb::train

#include "ufb/train/mlm_trainer.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>

#include "file_text.h"
#include "ufb/error.h"
#include "ufb/io/checkpoint.h"
#include "ufb/io/config.h"
#include "ufb/tokenizer/tokenizer.h"
#include "train/arch_options.h"
#include "train/data_parallel.h"
#include "train/mlm_batches.h"
#include "train/mlm_corpus.h"
#include "train/progress_log.h"
#include "train/run_clock.h"
#include "train/trainable_model.h"
#include "train/training_checkpoint.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kDropoutStream = 3;

void check_options(const MlmTrainingOptions& o) {
  if (o.steps <= 0 && o.budget_seconds <= 0) throw Error("give --steps N or --budget TIME");
  if (o.batch_size < 1 || o.accumulation < 1) {
    throw Error("--batch and --accumulate must be >= 1, got " + std::to_string(o.batch_size) +
                " and " + std::to_string(o.accumulation));
  }
}

MaskingOptions masking_for(const tokenizer::Tokenizer& tokenizer, const io::ModelConfig& config,
                           double probability) {
  const std::optional<int32_t> mask = tokenizer.mask_token_id();
  if (!mask) throw Error("the tokenizer has no mask token ([MASK] or <mask>) for masked-LM training");
  MaskingOptions masking{probability, *mask, config.embedding.vocab_size, {}};
  // What the template adds around any text is special: never a prediction target.
  masking.special_ids = tokenizer.encode("").ids;
  masking.special_ids.push_back(static_cast<int32_t>(config.embedding.pad_token_id));
  masking.special_ids.push_back(*mask);
  return masking;
}

void check_resume(const TrainingState& state, const MlmTrainingOptions& o) {
  if (state.seed != o.seed || state.batch_size != o.batch_size || state.accumulation != o.accumulation) {
    throw Error("--resume: the checkpoint was trained with seed " + std::to_string(state.seed) +
                ", batch " + std::to_string(state.batch_size) + " and accumulation " +
                std::to_string(state.accumulation) + "; give the same to continue it");
  }
}

// The token stream: rank 0 reads (or builds) the cache first and the others after it, so that
// on a shared folder they find it instead of all tokenizing the corpus at once.
TokenCorpus load_corpus(const MlmTrainingOptions& o, const distributed::Communicator& communicator) {
  const fs::path cache = o.out_dir / "tokens.safetensors";
  TokenCorpus corpus;
  if (communicator.is_root()) corpus = load_token_corpus(o.data_dir, o.tokenizer_file, cache);
  communicator.barrier();
  if (!communicator.is_root()) corpus = load_token_corpus(o.data_dir, o.tokenizer_file, cache, CacheWrite::forbidden);
  return corpus;
}

}  // namespace

void train_mlm(const MlmTrainingOptions& o, const distributed::Communicator& communicator,
               const std::function<void(const TrainingProgress&)>& report,
               const std::function<void(const std::string&)>& status) {
  check_options(o);
  const bool root = communicator.is_root();
  const std::string config_json = read_file_text(o.config_file);
  const io::ModelConfig config = io::parse_model_config(config_json, o.config_file.string());
  const ArchOptions arch = parse_arch_options(config_json, o.config_file.string());
  const tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_file(o.tokenizer_file);
  if (static_cast<int64_t>(tokenizer.vocab_size()) != config.embedding.vocab_size) {
    throw Error(o.config_file.string() + ": " +
                (config.architecture == io::Architecture::kBert ? "vocab_size " : "arch.embedding.vocab_size ") +
                std::to_string(config.embedding.vocab_size) + " does not match the " +
                std::to_string(tokenizer.vocab_size()) + " tokens of " + o.tokenizer_file.string());
  }
  MaskingOptions masking = masking_for(tokenizer, config, o.mask_probability);

  if (root) {
    fs::create_directories(o.out_dir);
    status("reading " + o.data_dir.string());
  }
  TokenCorpus corpus = load_corpus(o, communicator);
  if (root) {
    status(std::to_string(corpus.tokens.size()) + " tokens from " + std::to_string(corpus.documents) +
           " documents" + (corpus.from_cache ? " (cached)" : "") +
           (communicator.size() > 1 ? ", " + std::to_string(communicator.size()) + " ranks" : ""));
  }
  MlmBatches batches(std::move(corpus.tokens), config.embedding.max_seq_length, o.seed, std::move(masking));

  TrainingState state{0, 0, 0.0, o.seed, o.batch_size, o.accumulation};
  std::optional<ParameterSet<float>> parameters;
  if (o.resume_dir) {
    state = read_training_state(*o.resume_dir);
    check_resume(state, o);
    const io::Checkpoint checkpoint(*o.resume_dir);
    parameters.emplace(ParameterSet<float>::from_checkpoint(checkpoint, io::ModelHead::kMaskedLm, 0,
                                                            arch.init_std, o.seed));
  } else if (o.init_dir) {
    // Its tensors must have the shapes o.config_file implies (ParameterSet checks them).
    const io::Checkpoint checkpoint(*o.init_dir);
    parameters.emplace(ParameterSet<float>::from_checkpoint(checkpoint, io::ModelHead::kMaskedLm, 0,
                                                            arch.init_std, o.seed));
  } else {
    parameters.emplace(ParameterSet<float>::initialized(config, io::ModelHead::kMaskedLm, 0,
                                                        arch.init_std, o.seed));
  }
  TrainableModel<float> model(config, std::move(*parameters), o.dropout ? arch.dropout : DropoutRates{});
  AdamW optimizer(model.parameters(), o.adamw);
  if (o.resume_dir) restore_optimizer(*o.resume_dir, model.parameters(), state, optimizer);
  DataParallel data_parallel(communicator);

  std::ofstream log;
  if (root) log.open(o.out_dir / "log.jsonl", std::ios::app);
  const auto progress_of = [&](double elapsed) {
    return o.steps > 0 ? static_cast<double>(state.step) / static_cast<double>(o.steps)
                       : elapsed / o.budget_seconds;
  };
  const RunClock clock(communicator, state.elapsed_seconds);
  ProgressLog progress_log(root ? &log : nullptr, report, state.elapsed_seconds);
  const int64_t samples_per_step = o.batch_size * o.accumulation;
  const int64_t first_step = state.step;
  double elapsed = clock.elapsed();
  // Decided right after each step, so that the last step is always logged and checkpointed.
  bool finished = progress_of(elapsed) >= 1.0;
  while (!finished) {
    const double learning_rate = o.schedule.at(progress_of(elapsed));
    model.parameters().zero_grads();
    double local_loss = 0.0;
    std::optional<CounterRandom> dropout_random;
    if (o.dropout) dropout_random = CounterRandom(o.seed).child(kDropoutStream).child(state.step);
    for (int64_t micro = 0; micro < o.accumulation; ++micro) {
      const auto first_sample = static_cast<uint64_t>(state.step * samples_per_step + micro * o.batch_size);
      local_loss += data_parallel.forward_backward(model, batches.batch(first_sample, o.batch_size), dropout_random,
                                                   1.0f / static_cast<float>(o.accumulation));
    }
    const double loss = data_parallel.all_reduce(model.parameters(), local_loss) / static_cast<double>(o.accumulation);
    const double grad_norm = clip_grad_norm(model.parameters(), o.clip_norm);
    optimizer.step(model.parameters(), learning_rate);
    ++state.step;
    state.tokens_seen += samples_per_step * batches.sequence_length();
    progress_log.add_step(loss, samples_per_step * batches.sequence_length());
    elapsed = clock.elapsed();
    finished = progress_of(elapsed) >= 1.0 || (o.stop_after > 0 && state.step - first_step >= o.stop_after);
    if (state.step % o.log_every == 0 || finished) {
      TrainingProgress progress{state.step, 0, learning_rate, grad_norm, 0, elapsed, std::min(progress_of(elapsed), 1.0)};
      progress_log.write(progress, data_parallel.take_communication_seconds(),
                         {{"tokens_seen", state.tokens_seen}, {"ranks", communicator.size()}});
    }
    if (root && (state.step % o.checkpoint_every == 0 || finished)) {
      state.elapsed_seconds = elapsed;
      save_training_checkpoint(o.out_dir, config_json, o.tokenizer_file, model.parameters(), optimizer, state);
    }
  }
}

}  // namespace ufb::train

#include "ufb/train/distillation.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "file_text.h"
#include "ufb/atomic_file.h"
#include "ufb/error.h"
#include "ufb/io/checkpoint.h"
#include "ufb/io/config.h"
#include "ufb/tokenizer/tokenizer.h"
#include "train/data_parallel.h"
#include "train/feedforward.h"
#include "train/losses.h"
#include "train/progress_log.h"
#include "train/run_clock.h"
#include "train/trainable_model.h"
#include "train/training_checkpoint.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kTextOrderStream = 1;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void check_options(const DistillationOptions& o) {
  if (o.data_files.empty()) throw Error("give --data FILE... (text, one per line)");
  if (o.batch_size < 1 || (o.max_length != 0 && o.max_length < 2) || o.fit_tokens < 1 || o.log_every < 1 ||
      o.checkpoint_every < 1) {
    throw Error("--batch, --fit-tokens, --log-every and --checkpoint-every must be >= 1 and --max-length >= 2");
  }
  if (!(o.embedding_weight >= 0.0) || !(o.fit.ridge > 0.0)) {
    throw Error("--embedding-weight must be >= 0 and --ridge > 0");
  }
}

// The student's config.json: the teacher's with its feedforward blocks made FFF trees.
std::string student_config_json(const std::string& teacher_json, const fs::path& teacher_file,
                                const FffFitOptions& fit) {
  const io::ModelConfig teacher = io::parse_model_config(teacher_json, teacher_file.string());
  if (teacher.architecture != io::Architecture::kBert || teacher.intermed_type != io::FeedforwardKind::kDense) {
    throw Error(teacher_file.string() + ": the teacher must be a BERT-family model (model_type \"bert\") with " +
                "dense feedforward blocks");
  }
  nlohmann::ordered_json config = nlohmann::ordered_json::parse(teacher_json);
  config["feedforward_type"] = "fff";
  config["fff_depth"] = fit.depth;
  config["fff_trees"] = fit.trees;
  return config.dump(2) + "\n";
}

struct Text {
  std::string text;
  size_t file = 0;
  int64_t line = 0;
};

// Every non-blank line of the files, in an order shuffled by `seed`.
std::vector<Text> read_texts(const std::vector<fs::path>& files, uint64_t seed) {
  std::vector<Text> texts;
  for (size_t f = 0; f < files.size(); ++f) {
    std::ifstream in(files[f], std::ios::binary);
    if (!in) throw Error("cannot read " + files[f].string());
    std::string line;
    for (int64_t number = 1; std::getline(in, line); ++number) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      texts.push_back({line, f, number});
    }
  }
  if (texts.empty()) throw Error("the --data files hold no text");
  const CounterRandom random = CounterRandom(seed).child(kTextOrderStream);
  for (size_t i = texts.size() - 1; i > 0; --i) {
    const auto j = static_cast<size_t>(random.uniform(i) * static_cast<double>(i + 1));
    std::swap(texts[i], texts[std::min(j, i)]);
  }
  return texts;
}

// Tokenizes texts [first, first + count) of the shuffled order (wrapping around) into a batch.
class TextBatches {
 public:
  TextBatches(std::vector<Text> texts, std::vector<fs::path> files, tokenizer::Tokenizer tokenizer,
              int64_t max_length)
      : texts_(std::move(texts)), files_(std::move(files)), tokenizer_(std::move(tokenizer)) {
    tokenizer_.set_truncation(tokenizer::TruncationOptions{static_cast<size_t>(max_length)});
    tokenizer_.set_padding(std::nullopt);
  }

  size_t size() const { return texts_.size(); }

  TrainBatch batch(uint64_t first, int64_t count) const {
    std::vector<std::vector<int32_t>> ids, types;
    for (int64_t i = 0; i < count; ++i) {
      const Text& text = texts_[(first + static_cast<uint64_t>(i)) % texts_.size()];
      try {
        tokenizer::Encoding encoding = tokenizer_.encode(text.text);
        ids.push_back(std::move(encoding.ids));
        types.push_back(std::move(encoding.type_ids));
      } catch (const Error& e) {
        throw Error(files_[text.file].string() + ":" + std::to_string(text.line) + ": " + e.what());
      }
    }
    TrainBatch batch = padded_batch(ids, tokenizer_.pad_token_id(), types);
    batch.first_sample = first;
    return batch;
  }

 private:
  std::vector<Text> texts_;
  std::vector<fs::path> files_;
  tokenizer::Tokenizer tokenizer_;
};

bool is_fff(io::TensorRole role) {
  return role == io::TensorRole::kFffInWeight || role == io::TensorRole::kFffInBias ||
         role == io::TensorRole::kFffOutWeight || role == io::TensorRole::kFffOutBias;
}

// Only the trees learn; the rest stays the teacher's. The backward pass still writes the other
// gradients, which are never applied.
void learn_trees_only(ParameterSet<float>& parameters) {
  parameters.for_each([](const io::ExpectedTensor& tensor, Parameter<float>& p) { p.trainable = is_fff(tensor.role); });
}

// Stage 1's samples: every layer's feedforward input for the real tokens of texts from the
// start of the order, until `tokens` are collected, and the teacher's output for them.
std::vector<FeedforwardSamples> teacher_samples(TrainableModel<float>& teacher, const TextBatches& texts,
                                                int64_t tokens, int64_t batch_size) {
  const io::ModelConfig& config = teacher.config();
  const int64_t hidden = config.hidden_size;
  const auto layers = static_cast<size_t>(config.num_transformer_layers);
  std::vector<FeedforwardSamples> samples(layers);
  for (FeedforwardSamples& s : samples) s.hidden = hidden;
  int64_t collected = 0;
  for (uint64_t first = 0; collected < tokens; first += static_cast<uint64_t>(batch_size)) {
    if (first >= texts.size()) break;  // every text used
    const TrainBatch batch = texts.batch(first, std::min<int64_t>(batch_size, static_cast<int64_t>(texts.size() - first)));
    EncoderState<float> state;
    teacher.hidden_states(batch, &state);
    for (size_t l = 0; l < layers; ++l) {
      const auto& saved = state.layers[l];
      const std::vector<float>& input = config.norm_scheme == io::NormScheme::kPost ? saved.normed1 : saved.normed2;
      for (int64_t b = 0; b < batch.sequences && samples[l].rows < tokens; ++b) {
        const int64_t take = std::min(batch.lengths[b], tokens - samples[l].rows);
        const auto begin = input.begin() + b * batch.length * hidden;
        samples[l].x.insert(samples[l].x.end(), begin, begin + take * hidden);
        samples[l].rows += take;
      }
    }
    collected = samples.front().rows;
  }
  const auto& weights = teacher.parameters().weights();
  for (size_t l = 0; l < layers; ++l) {
    const auto& layer = weights.layers[l];
    const DenseFfParams<float> dense{hidden, config.intermed_size, layer.dense_in_weight.value,
                                     layer.dense_out_weight.value, layer.dense_in_bias.value,
                                     layer.dense_out_bias.value, config.activation};
    samples[l].y.resize(samples[l].x.size());
    DenseFfCache<float> cache;
    dense_ff_forward<float>(dense, samples[l].x, samples[l].rows, samples[l].y, cache);
  }
  return samples;
}

// The student: the teacher's parameters, FFF layers from `fitted`.
ParameterSet<float> student_parameters(const io::ModelConfig& student_config, const ParameterSet<float>& teacher,
                                       const std::vector<FffLayer>& fitted, uint64_t seed) {
  ParameterSet<float> student = ParameterSet<float>::initialized(student_config, io::ModelHead::kNone, 0, 0.02, seed);
  std::map<std::string, const Parameter<float>*> by_name;
  teacher.for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& p) { by_name[tensor.name] = &p; });
  student.for_each([&](const io::ExpectedTensor& tensor, Parameter<float>& p) {
    if (is_fff(tensor.role)) {
      const FffLayer& layer = fitted.at(static_cast<size_t>(tensor.layer));
      switch (tensor.role) {
        case io::TensorRole::kFffInWeight: p.value = layer.w_in; break;
        case io::TensorRole::kFffInBias: p.value = layer.b_in; break;
        case io::TensorRole::kFffOutWeight: p.value = layer.w_out_rows; break;  // stored neuron-major
        default: p.value = layer.b_out; break;
      }
      return;
    }
    const auto found = by_name.find(tensor.name);
    if (found == by_name.end() || found->second->value.size() != p.value.size()) {
      throw Error("the teacher has no tensor " + tensor.name + " of the student's size");
    }
    p.value = found->second->value;
  });
  return student;
}

// The teacher's files other than its weights and config (tokenizer files, sentence-transformers
// modules), so that the student directory is used as the teacher's is.
void copy_teacher_files(const fs::path& teacher_dir, const fs::path& out_dir) {
  static const std::vector<std::string> kSkipped = {"config.json", "model.safetensors", "pytorch_model.bin",
                                                     "onnx", "openvino", "tf_model.h5", "flax_model.msgpack",
                                                     "rust_model.ot", "trainer_state.json", "optimizer.safetensors",
                                                     "log.jsonl"};
  for (const fs::directory_entry& entry : fs::recursive_directory_iterator(teacher_dir)) {
    const fs::path relative = fs::relative(entry.path(), teacher_dir);
    if (std::find(kSkipped.begin(), kSkipped.end(), relative.begin()->string()) != kSkipped.end()) continue;
    if (entry.path().extension() == ".onnx" || entry.path().extension() == ".bin") continue;
    if (entry.is_directory()) {
      fs::create_directories(out_dir / relative);
    } else if (entry.is_regular_file()) {
      write_file_atomically(out_dir / relative, read_file_text(entry.path()));
    }
  }
}

void check_resume(const TrainingState& state, const DistillationOptions& o) {
  if (state.seed != o.seed || state.batch_size != o.batch_size) {
    throw Error("--resume: the checkpoint was distilled with seed " + std::to_string(state.seed) + " and batch " +
                std::to_string(state.batch_size) + "; give the same to continue it");
  }
}

}  // namespace

void distill(const DistillationOptions& o, const distributed::Communicator& communicator,
             const std::function<void(const TrainingProgress&)>& report,
             const std::function<void(const std::string&)>& status) {
  check_options(o);
  const bool root = communicator.is_root();
  const fs::path teacher_config_file = o.teacher_dir / "config.json";
  const std::string student_json = student_config_json(read_file_text(teacher_config_file), teacher_config_file, o.fit);
  const io::ModelConfig student_config = io::parse_model_config(student_json, "the student's config");
  const fs::path tokenizer_file = o.tokenizer_file.empty() ? o.teacher_dir / "tokenizer.json" : o.tokenizer_file;
  tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_file(tokenizer_file);
  if (static_cast<int64_t>(tokenizer.vocab_size()) != student_config.embedding.vocab_size) {
    throw Error(tokenizer_file.string() + " has " + std::to_string(tokenizer.vocab_size()) +
                " tokens; the teacher's vocab_size is " + std::to_string(student_config.embedding.vocab_size));
  }
  const int64_t limit = student_config.embedding.max_seq_length;
  const int64_t max_length = o.max_length > 0 ? std::min(o.max_length, limit) : limit;
  const TextBatches texts(read_texts(o.data_files, o.seed), o.data_files, std::move(tokenizer), max_length);

  const io::Checkpoint teacher_checkpoint(o.teacher_dir);
  TrainableModel<float> teacher(teacher_checkpoint.config(),
                                ParameterSet<float>::from_checkpoint(teacher_checkpoint, io::ModelHead::kNone, 0, 0.02, o.seed),
                                DropoutRates{});
  std::ofstream log;
  if (root) {
    fs::create_directories(o.out_dir);
    log.open(o.out_dir / "log.jsonl", std::ios::app);
    status(std::to_string(texts.size()) + " texts" +
           (communicator.size() > 1 ? ", " + std::to_string(communicator.size()) + " ranks" : ""));
  }

  // Stage 1 (rank 0), saved as step 0; every rank then starts stage 2 from a checkpoint.
  fs::path start_dir = o.resume_dir.value_or(o.out_dir);
  if (!o.resume_dir && root) {
    const Clock::time_point start = Clock::now();
    const std::vector<FeedforwardSamples> samples = teacher_samples(teacher, texts, o.fit_tokens, o.batch_size);
    status("stage 1: " + std::to_string(samples.front().rows) + " token samples per layer");
    std::vector<FffLayer> fitted;
    for (size_t l = 0; l < samples.size(); ++l) {
      const Clock::time_point layer_start = Clock::now();
      fitted.push_back(fit_fff(samples[l], o.fit));
      const double unexplained = unexplained_variance(fitted.back(), samples[l]);
      log << nlohmann::json{{"stage", 1}, {"layer", l}, {"samples", samples[l].rows},
                            {"unexplained_variance", unexplained}, {"seconds", seconds_since(layer_start)}}
                 .dump()
          << "\n"
          << std::flush;
      status("stage 1: layer " + std::to_string(l) + ": unexplained variance " + std::to_string(unexplained));
    }
    ParameterSet<float> student = student_parameters(student_config, teacher.parameters(), fitted, o.seed);
    learn_trees_only(student);
    const AdamW optimizer(student, o.adamw);
    TrainingState state{0, 0, 0.0, o.seed, o.batch_size, 1};
    copy_teacher_files(o.teacher_dir, o.out_dir);
    save_training_checkpoint(o.out_dir, student_json, tokenizer_file, student, optimizer, state);
    status("stage 1 done in " + std::to_string(static_cast<int64_t>(seconds_since(start))) + " s");
  }
  communicator.barrier();
  if (o.steps <= 0 && o.budget_seconds <= 0) return;

  // Stage 2.
  TrainingState state = read_training_state(start_dir);
  check_resume(state, o);
  const io::Checkpoint student_checkpoint(start_dir);
  ParameterSet<float> parameters =
      ParameterSet<float>::from_checkpoint(student_checkpoint, io::ModelHead::kNone, 0, 0.02, o.seed);
  learn_trees_only(parameters);
  TrainableModel<float> student(student_config, std::move(parameters), DropoutRates{});
  AdamW optimizer(student.parameters(), o.adamw);
  restore_optimizer(start_dir, student.parameters(), state, optimizer);
  if (root && o.resume_dir && fs::weakly_canonical(*o.resume_dir) != fs::weakly_canonical(o.out_dir)) {
    copy_teacher_files(o.teacher_dir, o.out_dir);
  }
  DataParallel data_parallel(communicator);

  const auto progress_of = [&](double elapsed) {
    return o.steps > 0 ? static_cast<double>(state.step) / static_cast<double>(o.steps) : elapsed / o.budget_seconds;
  };
  const RunClock clock(communicator, state.elapsed_seconds);
  ProgressLog progress_log(root ? &log : nullptr, report, state.elapsed_seconds);
  const int64_t hidden = student_config.hidden_size;
  double elapsed = clock.elapsed();
  bool finished = progress_of(elapsed) >= 1.0;
  while (!finished) {
    const double learning_rate = o.schedule.at(progress_of(elapsed));
    const TrainBatch batch = texts.batch(static_cast<uint64_t>(state.step * o.batch_size), o.batch_size);
    int64_t tokens = 0;
    for (const int64_t length : batch.lengths) tokens += length;
    // This rank's contiguous share of the sequences.
    const int64_t ranks = communicator.size();
    const int64_t begin = batch.sequences * communicator.rank() / ranks;
    const int64_t end = batch.sequences * (communicator.rank() + 1) / ranks;
    student.parameters().zero_grads();
    double local_loss = 0.0;
    if (end > begin) {
      const TrainBatch slice = slice_sequences(batch, begin, end);
      const std::vector<float> target = teacher.hidden_states(slice);
      EncoderState<float> saved;
      const std::vector<float> output = student.hidden_states(slice, &saved);
      std::vector<float> doutput(output.size());
      local_loss = distillation_loss<float>(output, target, slice.lengths, slice.length, hidden, tokens,
                                            batch.sequences, o.embedding_weight, doutput);
      student.backward_from_hidden_states(slice, saved, doutput);
    }
    const double loss = data_parallel.all_reduce(student.parameters(), local_loss);
    const double grad_norm = clip_grad_norm(student.parameters(), o.clip_norm);
    optimizer.step(student.parameters(), learning_rate);
    ++state.step;
    state.tokens_seen += tokens;
    progress_log.add_step(loss, tokens);
    elapsed = clock.elapsed();
    finished = progress_of(elapsed) >= 1.0;
    if (state.step % o.log_every == 0 || finished) {
      TrainingProgress progress{state.step, 0, learning_rate, grad_norm, 0, elapsed, std::min(progress_of(elapsed), 1.0)};
      progress_log.write(progress, data_parallel.take_communication_seconds(),
                         {{"stage", 2}, {"tokens_seen", state.tokens_seen}, {"ranks", communicator.size()}});
    }
    if (root && (state.step % o.checkpoint_every == 0 || finished)) {
      state.elapsed_seconds = elapsed;
      save_training_checkpoint(o.out_dir, student_json, tokenizer_file, student.parameters(), optimizer, state);
    }
  }
}

}  // namespace ufb::train

#include "ufb/train/glue_trainer.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "file_text.h"
#include "ufb/atomic_file.h"
#include "ufb/data/glue_reader.h"
#include "ufb/error.h"
#include "ufb/io/checkpoint.h"
#include "ufb/tokenizer/tokenizer.h"
#include "train/arch_options.h"
#include "train/counter_random.h"
#include "train/data_parallel.h"
#include "train/progress_log.h"
#include "train/trainable_model.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kShuffleStream = 1;
constexpr uint64_t kDropoutStream = 3;

fs::path tokenizer_of(const GlueTrainingOptions& o) {
  if (o.tokenizer_file) return *o.tokenizer_file;
  for (const char* name : {"tokenizer.json", "vocab.txt"}) {
    if (fs::exists(o.model_dir / name)) return o.model_dir / name;
  }
  throw Error(o.model_dir.string() + " holds no tokenizer.json or vocab.txt; give --tokenizer");
}

// config.json of the model as a classifier of the task: crammedBERT's with arch.num_labels set,
// BERT's as transformers writes BertForSequenceClassification's (labels and problem_type).
std::string classification_config(const fs::path& model_dir, const data::GlueTask& task) {
  const fs::path path = model_dir / "config.json";
  nlohmann::json config = nlohmann::json::parse(read_file_text(path), nullptr, false);
  if (config.is_object() && config.value("model_type", "") == "bert") {
    config["architectures"] = {"BertForSequenceClassification"};
    nlohmann::json id2label = nlohmann::json::object();
    nlohmann::json label2id = nlohmann::json::object();
    for (size_t i = 0; i < task.num_labels(); ++i) {
      const std::string name = task.is_regression() ? "LABEL_0" : task.label_names[i];
      id2label[std::to_string(i)] = name;
      label2id[name] = i;
    }
    config["id2label"] = id2label;
    config["label2id"] = label2id;
    config["problem_type"] = task.is_regression() ? "regression" : "single_label_classification";
    config.erase("num_labels");  // transformers keeps the labels in id2label only
    return config.dump(2) + "\n";
  }
  if (!config.is_object() || !config.contains("arch") || !config["arch"].is_object()) {
    throw Error(path.string() + ": expected a JSON object with an \"arch\" object");
  }
  config["arch"]["num_labels"] = task.num_labels();
  config["architectures"] = {"ScriptableLMForSequenceClassification"};
  return config.dump(2) + "\n";
}

struct Example {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;  // the tokenizer's segments, for models with token types
  int32_t label = 0;
  float score = 0;
};

std::vector<Example> encode_examples(const data::GlueTask& task, const std::vector<data::GlueExample>& examples,
                                     const tokenizer::Tokenizer& tokenizer) {
  std::vector<Example> encoded;
  for (const data::GlueExample& example : examples) {
    if (!example.has_target()) throw Error(task.name + " train line " + std::to_string(example.line) + " has no label");
    const tokenizer::Encoding encoding = example.text_b ? tokenizer.encode_pair(example.text_a, *example.text_b)
                                                        : tokenizer.encode(example.text_a);
    encoded.push_back({encoding.ids, encoding.type_ids, example.label.value_or(0), example.score.value_or(0.0f)});
  }
  return encoded;
}

TrainBatch make_batch(const data::GlueTask& task, const std::vector<Example>& examples,
                      std::span<const int64_t> order, int32_t pad_id, bool token_types,
                      uint64_t first_sample) {
  std::vector<std::vector<int32_t>> sequences, types;
  for (const int64_t index : order) {
    sequences.push_back(examples[index].ids);
    if (token_types) types.push_back(examples[index].type_ids);
  }
  TrainBatch batch = padded_batch(sequences, pad_id, types);
  batch.first_sample = first_sample;
  for (const int64_t index : order) {
    if (task.is_regression()) {
      batch.regression_targets.push_back(examples[index].score);
    } else {
      batch.class_labels.push_back(examples[index].label);
    }
  }
  return batch;
}

std::vector<int64_t> shuffled(int64_t count, const CounterRandom& random) {
  std::vector<int64_t> order(count);
  std::iota(order.begin(), order.end(), int64_t{0});
  for (int64_t i = count - 1; i > 0; --i) {
    std::swap(order[i], order[random.bits(static_cast<uint64_t>(i)) % static_cast<uint64_t>(i + 1)]);
  }
  return order;
}

}  // namespace

void train_glue(const GlueTrainingOptions& o, const distributed::Communicator& communicator,
                const std::function<void(const TrainingProgress&)>& report,
                const std::function<void(const std::string&)>& status) {
  if (o.epochs < 1 || o.batch_size < 1) throw Error("--epochs and --batch must be >= 1");
  const data::GlueTask& task = data::find_glue_task(o.task);
  const auto num_labels = static_cast<int64_t>(task.num_labels());
  const std::string config_json = classification_config(o.model_dir, task);
  const io::Checkpoint checkpoint(o.model_dir);
  if (checkpoint.head() == io::ModelHead::kClassification && checkpoint.num_labels() != num_labels) {
    throw Error(checkpoint.weights_source() + " is a classification model with " +
                std::to_string(checkpoint.num_labels()) + " labels; " + task.name + " needs " +
                std::to_string(num_labels) + " (start from a masked-LM checkpoint)");
  }
  const io::ModelConfig config = io::parse_model_config(config_json, (o.model_dir / "config.json").string());
  const ArchOptions arch = parse_arch_options(config_json, (o.model_dir / "config.json").string());

  const fs::path tokenizer_file = tokenizer_of(o);
  tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_file(tokenizer_file);
  tokenizer::TruncationOptions truncation;
  truncation.max_length = static_cast<size_t>(config.embedding.max_seq_length);
  tokenizer.set_truncation(truncation);
  tokenizer.set_padding(std::nullopt);
  const std::vector<Example> examples =
      encode_examples(task, data::read_glue_split(task, data::GlueSplit::train, o.data_dir), tokenizer);
  const bool root = communicator.is_root();
  if (root) status(task.name + ": " + std::to_string(examples.size()) + " training examples");

  TrainableModel<float> model(config,
                              ParameterSet<float>::from_checkpoint(checkpoint, io::ModelHead::kClassification,
                                                                   num_labels, arch.init_std, o.seed),
                              o.dropout ? arch.dropout : DropoutRates{});
  AdamW optimizer(model.parameters(), o.adamw);
  DataParallel data_parallel(communicator);
  const auto count = static_cast<int64_t>(examples.size());
  const int64_t steps_per_epoch = (count + o.batch_size - 1) / o.batch_size;
  const int64_t total_steps = steps_per_epoch * o.epochs;
  const auto pad_id = static_cast<int32_t>(config.embedding.pad_token_id);
  std::ofstream log;
  if (root) {
    fs::create_directories(o.out_dir);
    log.open(o.out_dir / "log.jsonl", std::ios::trunc);
  }
  const Clock::time_point start = Clock::now();
  ProgressLog progress_log(root ? &log : nullptr, report, 0.0);
  int64_t step = 0;
  for (int64_t epoch = 0; epoch < o.epochs; ++epoch) {
    const std::vector<int64_t> order = shuffled(count, CounterRandom(o.seed).child(kShuffleStream).child(epoch));
    for (int64_t first = 0; first < count; first += o.batch_size) {
      const std::span<const int64_t> indices(order.data() + first, std::min(o.batch_size, count - first));
      const TrainBatch batch = make_batch(task, examples, indices, pad_id, config.embedding.type_vocab_size > 0,
                                          static_cast<uint64_t>(epoch * count + first));
      const double learning_rate = o.schedule.at(static_cast<double>(step) / static_cast<double>(total_steps));
      model.parameters().zero_grads();
      const double local_loss =
          data_parallel.forward_backward(model, batch, CounterRandom(o.seed).child(kDropoutStream).child(step));
      const double loss = data_parallel.all_reduce(model.parameters(), local_loss);
      const double grad_norm = clip_grad_norm(model.parameters(), o.clip_norm);
      optimizer.step(model.parameters(), learning_rate);
      ++step;
      progress_log.add_step(loss, batch.rows());
      if (step % o.log_every == 0 || step == total_steps) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        TrainingProgress progress{step, 0, learning_rate, grad_norm, 0, elapsed,
                                  static_cast<double>(step) / static_cast<double>(total_steps)};
        progress_log.write(progress, data_parallel.take_communication_seconds(),
                           {{"epoch", epoch}, {"ranks", communicator.size()}});
      }
    }
  }
  if (!root) return;
  write_file_atomically(o.out_dir / "config.json", config_json);
  write_file_atomically(o.out_dir / tokenizer_file.filename(), read_file_text(tokenizer_file));
  save_weights(o.out_dir / "model.safetensors", model.parameters());
}

}  // namespace ufb::train

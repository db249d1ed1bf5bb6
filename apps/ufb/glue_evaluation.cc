#include "glue_evaluation.h"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ufb/atomic_file.h"
#include "ufb/error.h"

namespace ufb::cli {
namespace {

std::vector<TextInput> text_inputs(const std::vector<data::GlueExample>& examples) {
  std::vector<TextInput> inputs;
  inputs.reserve(examples.size());
  for (const data::GlueExample& example : examples) inputs.push_back({example.text_a, example.text_b});
  return inputs;
}

void collect_predictions(const model::Classification& result, GlueEvaluation& evaluation) {
  for (int64_t b = 0; b < result.batch; ++b) {
    const auto row = result.logits.begin() + b * result.num_labels;
    if (evaluation.task->is_regression()) {
      evaluation.scores.push_back(*row);
    } else {
      evaluation.classes.push_back(static_cast<int32_t>(std::max_element(row, row + result.num_labels) - row));
    }
  }
}

std::vector<data::MetricValue> score(const GlueEvaluation& evaluation,
                                     const std::vector<data::GlueExample>& examples) {
  if (examples.empty() || !examples.front().has_target()) return {};
  if (evaluation.task->is_regression()) {
    std::vector<double> targets;
    for (const data::GlueExample& example : examples) targets.push_back(*example.score);
    return data::regression_metrics(*evaluation.task, evaluation.scores, targets);
  }
  std::vector<int32_t> labels;
  for (const data::GlueExample& example : examples) labels.push_back(*example.label);
  return data::classification_metrics(*evaluation.task, evaluation.classes, labels);
}

std::string predictions_tsv(const GlueEvaluation& evaluation) {
  std::string text = "index\tprediction\n";
  for (size_t i = 0; i < evaluation.indices.size(); ++i) {
    const int32_t class_index = evaluation.task->is_regression() ? 0 : evaluation.classes[i];
    const float value = evaluation.task->is_regression() ? static_cast<float>(evaluation.scores[i]) : 0.0f;
    text += std::to_string(evaluation.indices[i]) + "\t" +
            data::format_glue_prediction(*evaluation.task, class_index, value) + "\n";
  }
  return text;
}

}  // namespace

void require_matching_head(const model::Model& model, const data::GlueTask& task) {
  const std::optional<int64_t> num_labels = model.config().num_labels;
  if (!num_labels) {
    throw Error("the model has no classification head (num_labels is null); " + task.name +
                " needs a model fine-tuned with num_labels " + std::to_string(task.num_labels()));
  }
  if (static_cast<size_t>(*num_labels) != task.num_labels()) {
    std::string labels = task.is_regression() ? "a regression score" : "";
    for (const std::string& name : task.label_names) labels += (labels.empty() ? "" : ", ") + name;
    throw Error("the model has num_labels " + std::to_string(*num_labels) + " but " + task.name + " needs " +
                std::to_string(task.num_labels()) + " (" + labels + ")");
  }
}

GlueEvaluation evaluate_glue(const ModelSession& session, const data::GlueTask& task, data::GlueSplit split,
                             const std::filesystem::path& task_dir) {
  require_matching_head(session.model(), task);
  const std::vector<data::GlueExample> examples = data::read_glue_split(task, split, task_dir);
  if (examples.empty()) throw Error((task_dir / task.file(split)).string() + ": the file holds no examples");
  std::cerr << "ufb: " << task.name << " " << data::split_name(split) << ": " << examples.size() << " examples\n";
  GlueEvaluation evaluation;
  evaluation.task = &task;
  evaluation.split = split;
  for (const data::GlueExample& example : examples) evaluation.indices.push_back(example.index);
  // Every rank of an MPI job scores the whole split: the metrics need all predictions.
  session.for_each_batch(
      text_inputs(examples),
      [&](const ModelSession::Batch& batch) {
        collect_predictions(session.model().classify(batch.ids, batch.types), evaluation);
      },
      /*shard=*/false);
  evaluation.metrics = score(evaluation, examples);
  for (const data::MetricValue& metric : evaluation.metrics) {
    std::cerr << "ufb: " << task.name << " " << data::metric_name(metric.metric) << " " << metric.value << "\n";
  }
  return evaluation;
}

void write_glue_outputs(const GlueEvaluation& evaluation, const std::filesystem::path& out_dir) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw Error(out_dir.string() + ": cannot create the output directory (" + error.message() + ")");
  nlohmann::json metrics = nlohmann::json::object();
  for (const data::MetricValue& metric : evaluation.metrics) {
    metrics[std::string(data::metric_name(metric.metric))] = metric.value;  // NaN (undefined) becomes null
  }
  const nlohmann::json results = {{"task", evaluation.task->name},
                                  {"split", data::split_name(evaluation.split)},
                                  {"n", evaluation.indices.size()},
                                  {"metrics", metrics}};
  write_file_atomically(out_dir / "eval_results.json", results.dump(2) + "\n");
  const std::string predictions = predictions_tsv(evaluation);
  write_file_atomically(out_dir / "predictions.tsv", predictions);
  // GLUE's server takes exactly this layout (index, prediction, header) under its own file name.
  if (evaluation.split == data::GlueSplit::test) {
    write_file_atomically(out_dir / evaluation.task->submission_file, predictions);
  }
}

}  // namespace ufb::cli

#include "glue_commands.h"

#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "common_options.h"
#include "glue_evaluation.h"
#include "ufb/atomic_file.h"
#include "ufb/error.h"
#include "ufb/io/config.h"

namespace ufb::cli {
namespace {

namespace fs = std::filesystem;

struct GlueFlags {
  std::string task;
  std::string data_dir;
  std::string out_dir;
  std::string split = "dev";
};

void add_glue_model_flags(CLI::App& command, ModelFlags& flags, GlueFlags& glue) {
  add_tokenizer_option(command, flags.tokenizer_path);
  add_threads_option(command, flags.threads);
  command.add_option("--batch", flags.batch_size, "Examples per forward pass")->capture_default_str()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 16));
  command.add_option("--split", glue.split, "dev or test (test: no metrics, a GLUE submission file)")
      ->capture_default_str()->check(CLI::IsMember({"dev", "test"}));
}

void eval_glue(ModelFlags flags, const GlueFlags& glue) {
  const data::GlueTask& task = data::find_glue_task(glue.task);
  flags.warn_each_truncation = false;
  const ModelSession session(flags);
  const GlueEvaluation evaluation = evaluate_glue(session, task, data::parse_glue_split(glue.split), glue.data_dir);
  write_glue_outputs(evaluation, glue.out_dir);
  std::cerr << "ufb: wrote " << (fs::path(glue.out_dir) / "eval_results.json").string() << "\n";
}

// The model for `task`: MODEL_DIR/<task folder> ("SST-2", "MNLI" for both MNLI tasks) when it
// holds a config.json, else MODEL_DIR itself when it is a model.
std::optional<fs::path> model_for(const fs::path& model_dir, const data::GlueTask& task) {
  if (fs::is_regular_file(model_dir / task.folder / "config.json")) return model_dir / task.folder;
  if (fs::is_regular_file(model_dir / "config.json")) return model_dir;
  return std::nullopt;
}

struct TaskRow {
  std::string name;
  size_t examples = 0;
  std::vector<data::MetricValue> metrics;
};

// GLUE's average: one score per task, MNLI's the mean of its matched and mismatched scores
// (this reproduces the published GLUE scores, e.g. BERT-large's 80.5).
double glue_average(const std::vector<TaskRow>& rows, size_t& task_count) {
  std::map<std::string, std::vector<double>> scores_by_folder;
  for (const TaskRow& row : rows) {
    if (!row.metrics.empty()) scores_by_folder[data::find_glue_task(row.name).folder].push_back(data::task_score(row.metrics));
  }
  double sum = 0;
  for (const auto& [folder, scores] : scores_by_folder) {
    double task_sum = 0;
    for (double score : scores) task_sum += score;
    sum += task_sum / static_cast<double>(scores.size());
  }
  task_count = scores_by_folder.size();
  return task_count ? sum / static_cast<double>(task_count) : std::nan("");
}

void print_table(const std::vector<TaskRow>& rows, const std::vector<std::string>& skipped) {
  std::printf("%-8s %6s  %-34s %6s\n", "task", "n", "metrics", "score");
  for (const TaskRow& row : rows) {
    std::string metrics;
    for (const data::MetricValue& metric : row.metrics) {
      char value[48];
      std::snprintf(value, sizeof value, "%s%s %.4f", metrics.empty() ? "" : ", ",
                    std::string(data::metric_name(metric.metric)).c_str(), metric.value);
      metrics += value;
    }
    const double score = row.metrics.empty() ? std::nan("") : 100 * data::task_score(row.metrics);
    std::printf("%-8s %6zu  %-34s %6.1f\n", row.name.c_str(), row.examples, metrics.empty() ? "-" : metrics.c_str(),
                score);
  }
  size_t task_count = 0;
  const double average = glue_average(rows, task_count);
  if (task_count > 0) std::printf("GLUE score (average of %zu tasks): %.1f\n", task_count, 100 * average);
  for (const std::string& reason : skipped) std::printf("skipped %s\n", reason.c_str());
}

void run_glue(const ModelFlags& base_flags, const GlueFlags& glue) {
  const data::GlueSplit split = data::parse_glue_split(glue.split);
  std::vector<TaskRow> rows;
  std::vector<std::string> skipped;
  nlohmann::json summary = nlohmann::json::object();
  for (const data::GlueTask& task : data::glue_tasks()) {
    const fs::path task_dir = fs::path(glue.data_dir) / task.folder;
    if (!fs::is_regular_file(task_dir / task.file(split))) continue;
    const std::optional<fs::path> model_dir = model_for(base_flags.model_dir, task);
    if (!model_dir) {
      skipped.push_back(task.name + ": no model " + (fs::path(base_flags.model_dir) / task.folder).string());
      continue;
    }
    const std::optional<int64_t> num_labels = io::read_model_config(*model_dir / "config.json").num_labels;
    if (num_labels.value_or(0) != static_cast<int64_t>(task.num_labels())) {
      skipped.push_back(task.name + ": the model in " + model_dir->string() + " has num_labels " +
                        (num_labels ? std::to_string(*num_labels) : "null") + ", the task needs " +
                        std::to_string(task.num_labels()));
      continue;
    }
    ModelFlags flags = base_flags;
    flags.model_dir = model_dir->string();
    flags.warn_each_truncation = false;
    const ModelSession session(flags);
    const GlueEvaluation evaluation = evaluate_glue(session, task, split, task_dir);
    if (!glue.out_dir.empty()) write_glue_outputs(evaluation, fs::path(glue.out_dir) / task.name);
    rows.push_back({task.name, evaluation.indices.size(), evaluation.metrics});
  }
  if (rows.empty()) {
    throw Error("no GLUE task to run: " + glue.data_dir + " has no task folder with a " + glue.split +
                " file that a model in " + base_flags.model_dir + " fits" +
                (skipped.empty() ? "" : " (skipped " + skipped.front() + ")"));
  }
  print_table(rows, skipped);
}

}  // namespace

void add_glue_commands(CLI::App& app) {
  auto flags = std::make_shared<ModelFlags>();
  auto glue = std::make_shared<GlueFlags>();

  CLI::App* eval = app.add_subcommand("eval", "Evaluate a model on a benchmark");
  eval->require_subcommand(1);
  CLI::App* eval_glue_command = eval->add_subcommand("glue", "Predict and score one GLUE task's dev (or test) split");
  eval_glue_command->add_option("--task", glue->task, "CoLA, SST-2, MRPC, STS-B, QQP, MNLI-m, MNLI-mm, QNLI, RTE, WNLI")
      ->required();
  add_model_option(*eval_glue_command, flags->model_dir, WithoutModel::refuse);
  eval_glue_command->footer("\n--model: a classification model with the task's num_labels.");
  eval_glue_command->add_option("--data", glue->data_dir, "The task's GLUE folder (holding dev.tsv, test.tsv)")
      ->required()->check(CLI::ExistingDirectory);
  eval_glue_command->add_option("--out", glue->out_dir, "Output directory for eval_results.json and predictions.tsv")
      ->required();
  add_glue_model_flags(*eval_glue_command, *flags, *glue);
  eval_glue_command->callback([flags, glue] { eval_glue(*flags, *glue); });

  CLI::App* table = app.add_subcommand("glue", "Evaluate every GLUE task with data and a model; print the GLUE table");
  add_model_option(*table, flags->model_dir, WithoutModel::refuse);
  table->footer("\n--model: a directory with one fine-tuned model per task folder (DIR/SST-2, DIR/MNLI, ...); a single "
                "model directory serves every task whose label count it fits.");
  table->add_option("--data", glue->data_dir, "GLUE data directory (one folder per task: CoLA, SST-2, ...)")
      ->required()->check(CLI::ExistingDirectory);
  table->add_option("--out", glue->out_dir, "Also write each task's results and predictions to OUT/<task>");
  add_glue_model_flags(*table, *flags, *glue);
  table->callback([flags, glue] { run_glue(*flags, *glue); });
}

}  // namespace ufb::cli

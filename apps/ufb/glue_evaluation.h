#pragma once

// Runs a classification model over one GLUE split and writes what `ufb eval glue` promises:
// eval_results.json, predictions.tsv and, for the test split, the GLUE submission file.

#include <filesystem>
#include <optional>
#include <vector>

#include "model_session.h"
#include "ufb/data/glue_metrics.h"
#include "ufb/data/glue_reader.h"

namespace ufb::cli {

struct GlueEvaluation {
  const data::GlueTask* task = nullptr;
  data::GlueSplit split = data::GlueSplit::dev;
  std::vector<int64_t> indices;       // each example's index, as the file gives it
  std::vector<int32_t> classes;       // classification: the predicted class of each example
  std::vector<double> scores;         // regression: the predicted score of each example
  std::vector<data::MetricValue> metrics;  // empty when the split has no labels (test)
};

// Throws ufb::Error when the model's num_labels differs from the task's label count.
void require_matching_head(const model::Model& model, const data::GlueTask& task);

// Predicts every example of `split` read from `task_dir` and scores the predictions where the
// split has labels. Progress and a one-line summary go to stderr.
GlueEvaluation evaluate_glue(const ModelSession& session, const data::GlueTask& task, data::GlueSplit split,
                             const std::filesystem::path& task_dir);

// eval_results.json ({"task", "split", "n", "metrics"}), predictions.tsv and, for the test
// split, task.submission_file, each written atomically into `out_dir` (created if missing).
void write_glue_outputs(const GlueEvaluation& evaluation, const std::filesystem::path& out_dir);

}  // namespace ufb::cli

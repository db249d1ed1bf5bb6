#pragma once

// The GLUE tasks as the official GLUE distribution lays them out: which files a task has, which
// tab-separated columns hold its texts and label, how labels are written, and which metrics
// score it. MNLI is two tasks here, MNLI-m and MNLI-mm (matched and mismatched dev/test files),
// because GLUE scores and submits them separately.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ufb::data {

enum class GlueMetric { accuracy, f1, matthews, pearson, spearman };

// "accuracy", "f1", "matthews", "pearson", "spearman": the keys of eval_results.json.
std::string_view metric_name(GlueMetric metric);

enum class GlueSplit { train, dev, test };

// "train", "dev", "test". parse_glue_split throws ufb::Error for anything else.
std::string_view split_name(GlueSplit split);
GlueSplit parse_glue_split(std::string_view name);

// Where one kind of file keeps its columns. Files with a header name their columns there (the
// official MNLI dev files carry more columns than train, so positions are not fixed);
// headerless files (CoLA train/dev) get `headerless_columns` as their names.
struct GlueColumns {
  std::vector<std::string> headerless_columns;  // empty: the first line is a header
  std::string text_a;
  std::optional<std::string> text_b;
  std::optional<std::string> label;  // absent in test files
  std::optional<std::string> index;  // the example id a submission repeats (test files)
};

struct GlueTask {
  std::string name;         // as GLUE writes it: "SST-2", "MNLI-m"
  std::string folder;       // the task's folder in a GLUE data directory: "SST-2", "MNLI"
  std::string train_file;   // file names inside the folder
  std::string dev_file;
  std::string test_file;
  GlueColumns labelled;     // train and dev
  GlueColumns test;
  // Classification: the labels as the files write them, in class-index order (a model's logit
  // i is label_names[i]). Empty for regression (STS-B), whose label is a float.
  std::vector<std::string> label_names;
  std::vector<GlueMetric> metrics;  // GLUE's task score is their mean
  std::string submission_file;      // the GLUE server's name for the test predictions

  bool is_regression() const { return label_names.empty(); }
  // 1 for regression, else the number of classes: what a model's num_labels must be.
  size_t num_labels() const { return is_regression() ? 1 : label_names.size(); }
  const std::string& file(GlueSplit split) const;
  const GlueColumns& columns(GlueSplit split) const;
};

// CoLA, SST-2, MRPC, STS-B, QQP, MNLI-m, MNLI-mm, QNLI, RTE, WNLI: GLUE's order.
std::span<const GlueTask> glue_tasks();

// The task named `name`, ignoring case and '-' ("sst2", "STS-B", "mnli-mm"); "MNLI" means
// MNLI-m. Throws ufb::Error listing the known names.
const GlueTask& find_glue_task(std::string_view name);

}  // namespace ufb::data

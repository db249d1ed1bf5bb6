#include "ufb/data/glue_task.h"

#include <algorithm>
#include <cctype>

#include "ufb/error.h"

namespace ufb::data {
namespace {

const std::vector<std::string> kBinary = {"0", "1"};
const std::vector<std::string> kEntailment = {"entailment", "not_entailment"};
// The order of the GLUE reference code and Hugging Face datasets.
const std::vector<std::string> kMnliLabels = {"contradiction", "entailment", "neutral"};

GlueColumns with_header(std::string text_a, std::optional<std::string> text_b, std::optional<std::string> label,
                        std::optional<std::string> index = std::nullopt) {
  return GlueColumns{{}, std::move(text_a), std::move(text_b), std::move(label), std::move(index)};
}

// Test files: the same texts, no label, an id column the submission repeats.
GlueColumns test_columns(const GlueColumns& labelled, std::string index = "index") {
  return GlueColumns{{}, labelled.text_a, labelled.text_b, std::nullopt, std::move(index)};
}

GlueTask make_task(std::string name, std::string folder, GlueColumns labelled, GlueColumns test,
                   std::vector<std::string> labels, std::vector<GlueMetric> metrics,
                   std::string dev_file = "dev.tsv", std::string test_file = "test.tsv") {
  GlueTask task;
  task.submission_file = name + ".tsv";
  task.name = std::move(name);
  task.folder = std::move(folder);
  task.train_file = "train.tsv";
  task.dev_file = std::move(dev_file);
  task.test_file = std::move(test_file);
  task.labelled = std::move(labelled);
  task.test = std::move(test);
  task.label_names = std::move(labels);
  task.metrics = std::move(metrics);
  return task;
}

std::vector<GlueTask> make_tasks() {
  using enum GlueMetric;
  std::vector<GlueTask> tasks;
  const GlueColumns cola{{"source", "label", "original_mark", "sentence"}, "sentence", std::nullopt, "label", {}};
  tasks.push_back(make_task("CoLA", "CoLA", cola, test_columns(cola), kBinary, {matthews}));
  const GlueColumns sst2 = with_header("sentence", std::nullopt, "label");
  tasks.push_back(make_task("SST-2", "SST-2", sst2, test_columns(sst2), kBinary, {accuracy}));
  const GlueColumns mrpc = with_header("#1 String", "#2 String", "Quality");
  tasks.push_back(make_task("MRPC", "MRPC", mrpc, test_columns(mrpc), kBinary, {f1, accuracy}));
  const GlueColumns stsb = with_header("sentence1", "sentence2", "score", "index");
  tasks.push_back(make_task("STS-B", "STS-B", stsb, test_columns(stsb), {}, {pearson, spearman}));
  const GlueColumns qqp = with_header("question1", "question2", "is_duplicate", "id");
  tasks.push_back(make_task("QQP", "QQP", qqp, test_columns(qqp, "id"), kBinary, {f1, accuracy}));
  const GlueColumns mnli = with_header("sentence1", "sentence2", "gold_label", "index");
  tasks.push_back(make_task("MNLI-m", "MNLI", mnli, test_columns(mnli), kMnliLabels, {accuracy},
                            "dev_matched.tsv", "test_matched.tsv"));
  tasks.push_back(make_task("MNLI-mm", "MNLI", mnli, test_columns(mnli), kMnliLabels, {accuracy},
                            "dev_mismatched.tsv", "test_mismatched.tsv"));
  const GlueColumns qnli = with_header("question", "sentence", "label", "index");
  tasks.push_back(make_task("QNLI", "QNLI", qnli, test_columns(qnli), kEntailment, {accuracy}));
  const GlueColumns rte = with_header("sentence1", "sentence2", "label", "index");
  tasks.push_back(make_task("RTE", "RTE", rte, test_columns(rte), kEntailment, {accuracy}));
  tasks.push_back(make_task("WNLI", "WNLI", rte, test_columns(rte), kBinary, {accuracy}));
  return tasks;
}

// Lower case without '-': how task names are compared.
std::string name_key(std::string_view name) {
  std::string key;
  for (char c : name) {
    if (c != '-') key += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return key;
}

}  // namespace

std::string_view metric_name(GlueMetric metric) {
  switch (metric) {
    case GlueMetric::accuracy: return "accuracy";
    case GlueMetric::f1: return "f1";
    case GlueMetric::matthews: return "matthews";
    case GlueMetric::pearson: return "pearson";
    case GlueMetric::spearman: return "spearman";
  }
  return "unknown";
}

std::string_view split_name(GlueSplit split) {
  switch (split) {
    case GlueSplit::train: return "train";
    case GlueSplit::dev: return "dev";
    case GlueSplit::test: return "test";
  }
  return "unknown";
}

GlueSplit parse_glue_split(std::string_view name) {
  for (GlueSplit split : {GlueSplit::train, GlueSplit::dev, GlueSplit::test}) {
    if (name == split_name(split)) return split;
  }
  throw Error("unknown GLUE split '" + std::string(name) + "' (expected train, dev or test)");
}

const std::string& GlueTask::file(GlueSplit split) const {
  switch (split) {
    case GlueSplit::train: return train_file;
    case GlueSplit::dev: return dev_file;
    case GlueSplit::test: return test_file;
  }
  return test_file;
}

const GlueColumns& GlueTask::columns(GlueSplit split) const {
  return split == GlueSplit::test ? test : labelled;
}

std::span<const GlueTask> glue_tasks() {
  static const std::vector<GlueTask> tasks = make_tasks();
  return tasks;
}

const GlueTask& find_glue_task(std::string_view name) {
  const std::string key = name_key(name) == "mnli" ? "mnlim" : name_key(name);
  const auto tasks = glue_tasks();
  const auto found = std::find_if(tasks.begin(), tasks.end(), [&](const GlueTask& t) { return name_key(t.name) == key; });
  if (found != tasks.end()) return *found;
  std::string known;
  for (const GlueTask& task : tasks) known += (known.empty() ? "" : ", ") + task.name;
  throw Error("unknown GLUE task '" + std::string(name) + "' (expected one of " + known + ")");
}

}  // namespace ufb::data

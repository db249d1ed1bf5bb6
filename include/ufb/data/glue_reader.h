#pragma once

// Reads GLUE task files in the official TSV format: tab-separated fields, no quoting (quotes are
// part of the text, as the GLUE reference code reads them), an optional UTF-8 byte-order mark
// (MRPC), LF or CRLF line ends, and a last line with or without a newline (CoLA dev).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/data/glue_task.h"

namespace ufb::data {

struct GlueExample {
  // The file's index/id column where it has one (test files: a submission repeats it), else the
  // example's position in the file, from 0.
  int64_t index = 0;
  std::string text_a;
  std::optional<std::string> text_b;  // set for sentence-pair tasks
  // Train/dev only: the class index into GlueTask::label_names (classification) or the float
  // target (regression); both unset in test files.
  std::optional<int32_t> label;
  std::optional<float> score;
  size_t line = 0;  // 1-based line in the file, for messages

  bool has_target() const { return label.has_value() || score.has_value(); }
};

// Parses the text of one of `task`'s `split` files; `source` names it in messages. Throws
// ufb::Error "SOURCE:LINE: ..." for a missing header column, a row with the wrong number of
// fields, an unknown label, a score or index that is not a number, or an empty file.
std::vector<GlueExample> parse_glue_file(const GlueTask& task, GlueSplit split, std::string_view contents,
                                         std::string_view source);

// Reads `path` (any name) as one of `task`'s `split` files.
std::vector<GlueExample> read_glue_file(const GlueTask& task, GlueSplit split, const std::filesystem::path& path);

// Reads `task_dir`/task.file(split). Throws ufb::Error naming the path when it does not exist.
std::vector<GlueExample> read_glue_split(const GlueTask& task, GlueSplit split, const std::filesystem::path& task_dir);

// A prediction written as the task's files write labels: the label name for a class index, the
// score with three decimals for regression (as STS-B's files do).
std::string format_glue_prediction(const GlueTask& task, int32_t class_index, float score);

}  // namespace ufb::data

#include "ufb/data/glue_reader.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ufb/error.h"

namespace ufb::data {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

// The lines of a text without their LF or CRLF ends; a final newline ends the last line rather
// than starting an empty one.
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  while (true) {
    const size_t tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

// Field positions of the columns one file kind needs.
struct ColumnPositions {
  size_t field_count = 0;
  size_t text_a = 0;
  std::optional<size_t> text_b;
  std::optional<size_t> label;
  std::optional<size_t> index;
};

class GlueFileParser {
 public:
  GlueFileParser(const GlueTask& task, GlueSplit split, std::string_view source)
      : task_(task), columns_(task.columns(split)), source_(source) {}

  std::vector<GlueExample> parse(std::string_view contents) {
    if (contents.starts_with(kByteOrderMark)) contents.remove_prefix(kByteOrderMark.size());
    const std::vector<std::string_view> lines = split_lines(contents);
    const bool has_header = columns_.headerless_columns.empty();
    if (lines.empty() || (has_header && lines.size() == 1 && lines[0].empty())) fail(1, "the file is empty");
    std::vector<std::string_view> names(columns_.headerless_columns.begin(), columns_.headerless_columns.end());
    if (has_header) names = split_fields(lines[0]);
    locate_columns(names);
    std::vector<GlueExample> examples;
    for (size_t i = has_header ? 1 : 0; i < lines.size(); ++i) {
      examples.push_back(parse_row(lines[i], i + 1, examples.size()));
    }
    return examples;
  }

 private:
  [[noreturn]] void fail(size_t line, const std::string& what) const {
    throw Error(std::string(source_) + ":" + std::to_string(line) + ": " + what);
  }

  size_t position_of(const std::vector<std::string_view>& names, const std::string& column) const {
    const auto found = std::find(names.begin(), names.end(), column);
    if (found == names.end()) fail(1, "the header has no column '" + column + "' (a " + task_.name + " file)");
    return static_cast<size_t>(found - names.begin());
  }

  std::optional<size_t> optional_position(const std::vector<std::string_view>& names,
                                          const std::optional<std::string>& column) const {
    if (!column) return std::nullopt;
    return position_of(names, *column);
  }

  void locate_columns(const std::vector<std::string_view>& names) {
    positions_.field_count = names.size();
    positions_.text_a = position_of(names, columns_.text_a);
    positions_.text_b = optional_position(names, columns_.text_b);
    positions_.label = optional_position(names, columns_.label);
    positions_.index = optional_position(names, columns_.index);
  }

  GlueExample parse_row(std::string_view line, size_t line_number, size_t position) const {
    const std::vector<std::string_view> fields = split_fields(line);
    if (fields.size() != positions_.field_count) {
      fail(line_number, "expected " + std::to_string(positions_.field_count) + " tab-separated fields, found " +
                            std::to_string(fields.size()));
    }
    GlueExample example;
    example.line = line_number;
    example.index = positions_.index ? parse_index(fields[*positions_.index], line_number) : static_cast<int64_t>(position);
    example.text_a = fields[positions_.text_a];
    if (positions_.text_b) example.text_b = std::string(fields[*positions_.text_b]);
    if (positions_.label) parse_target(fields[*positions_.label], line_number, example);
    return example;
  }

  int64_t parse_index(std::string_view field, size_t line_number) const {
    int64_t value = 0;
    const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (error != std::errc() || end != field.data() + field.size()) {
      fail(line_number, "index '" + std::string(field) + "' is not an integer");
    }
    return value;
  }

  void parse_target(std::string_view field, size_t line_number, GlueExample& example) const {
    if (task_.is_regression()) {
      float value = 0;
      const auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), value);
      if (field.empty() || error != std::errc() || end != field.data() + field.size()) {
        fail(line_number, *columns_.label + " '" + std::string(field) + "' is not a number");
      }
      example.score = value;
      return;
    }
    const auto& names = task_.label_names;
    const auto found = std::find(names.begin(), names.end(), field);
    if (found == names.end()) {
      std::string expected;
      for (const std::string& name : names) expected += (expected.empty() ? "" : ", ") + name;
      fail(line_number, "label '" + std::string(field) + "' is not one of " + expected);
    }
    example.label = static_cast<int32_t>(found - names.begin());
  }

  const GlueTask& task_;
  const GlueColumns& columns_;
  std::string_view source_;
  ColumnPositions positions_;
};

}  // namespace

std::vector<GlueExample> parse_glue_file(const GlueTask& task, GlueSplit split, std::string_view contents,
                                         std::string_view source) {
  return GlueFileParser(task, split, source).parse(contents);
}

std::vector<GlueExample> read_glue_file(const GlueTask& task, GlueSplit split, const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path.string() + ": cannot open the " + task.name + " " + std::string(split_name(split)) + " file");
  std::ostringstream contents;
  contents << file.rdbuf();
  return parse_glue_file(task, split, contents.str(), path.string());
}

std::vector<GlueExample> read_glue_split(const GlueTask& task, GlueSplit split, const std::filesystem::path& task_dir) {
  const std::filesystem::path path = task_dir / task.file(split);
  if (!std::filesystem::is_regular_file(path)) {
    throw Error(path.string() + ": no such file (the " + task.name + " " + std::string(split_name(split)) +
                " split; give the task's folder of the GLUE data)");
  }
  return read_glue_file(task, split, path);
}

std::string format_glue_prediction(const GlueTask& task, int32_t class_index, float score) {
  if (!task.is_regression()) return task.label_names.at(static_cast<size_t>(class_index));
  char text[32];
  std::snprintf(text, sizeof text, "%.3f", score);
  return text;
}

}  // namespace ufb::data

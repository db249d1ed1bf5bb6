#include "text_inputs.h"

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "ufb/error.h"

namespace ufb::cli {
namespace {

std::string where(const std::string& path, int64_t line) {
  return (path == "-" ? std::string("stdin") : path) + ":" + std::to_string(line);
}

TextInput parse_jsonl_line(const std::string& line, const std::string& location) {
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(location + ": not valid JSON (" + std::string(error.what()) + ")");
  }
  if (!object.is_object() || !object.contains("text") || !object["text"].is_string()) {
    throw Error(location + ": expected an object with a string \"text\"");
  }
  TextInput input{object["text"].get<std::string>(), std::nullopt};
  if (object.contains("text_pair")) {
    if (!object["text_pair"].is_string()) throw Error(location + ": \"text_pair\" must be a string");
    input.text_pair = object["text_pair"].get<std::string>();
  }
  return input;
}

TextInput parse_plain_line(const std::string& line, bool tab_separated_pairs) {
  const size_t tab = line.find('\t');
  if (!tab_separated_pairs || tab == std::string::npos) return {line, std::nullopt};
  return {line.substr(0, tab), line.substr(tab + 1)};
}

// Outside *.jsonl files a line is JSON only if it clearly is: an object with a string "text".
bool looks_like_json_input(const std::string& line) {
  if (line.empty() || line.front() != '{') return false;
  const nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
  return object.is_object() && object.contains("text") && object["text"].is_string();
}

}  // namespace

std::vector<TextInput> read_text_inputs(const std::vector<std::string>& texts, const std::string& path,
                                        bool tab_separated_pairs) {
  std::vector<TextInput> inputs;
  for (const std::string& text : texts) inputs.push_back({text, std::nullopt});
  if (path.empty()) {
    if (inputs.empty()) throw Error("no input: give texts as arguments or --file PATH (- for stdin)");
    return inputs;
  }
  if (!inputs.empty()) throw Error("give texts as arguments or --file, not both");
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) throw Error("cannot open " + path);
  }
  std::istream& stream = path == "-" ? std::cin : file;
  const bool jsonl = path.size() > 6 && path.ends_with(".jsonl");
  std::string line;
  for (int64_t number = 1; std::getline(stream, line); ++number) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    const bool json = jsonl || looks_like_json_input(line);
    inputs.push_back(json ? parse_jsonl_line(line, where(path, number)) : parse_plain_line(line, tab_separated_pairs));
  }
  if (inputs.empty()) throw Error((path == "-" ? std::string("stdin") : path) + " holds no input");
  return inputs;
}

}  // namespace ufb::cli

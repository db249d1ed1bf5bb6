#pragma once

#include <string>
#include <vector>

namespace ufb::cli {

// One input of fill-mask / embed / classify: a text, or a pair of texts.
struct TextInput {
  std::string text;
  std::string text_pair;  // empty: a single text
  bool is_pair() const { return !text_pair.empty(); }
};

// Inputs from the command line's texts, or else from `path` ("-" = standard input):
// - *.jsonl: one object per line, {"text": ..., "text_pair": ...} (text_pair optional);
// - otherwise one input per line; with `tab_separated_pairs`, "first<TAB>second" is a pair.
// Empty lines are skipped. Throws ufb::Error naming the file and line for malformed input.
std::vector<TextInput> read_text_inputs(const std::vector<std::string>& texts, const std::string& path,
                                        bool tab_separated_pairs);

}  // namespace ufb::cli

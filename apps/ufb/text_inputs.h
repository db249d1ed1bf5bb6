#pragma once

#include <string>
#include <vector>

#include "ufb/text_input.h"

namespace ufb::cli {

using TextInput = ufb::TextInput;

// Inputs from the command line's texts, or else from `path` ("-" = standard input), one per line:
// - a JSON object {"text": ..., "text_pair": ...} (text_pair optional): every line of a *.jsonl
//   file, and any other line that starts with '{' and parses as such an object;
// - otherwise plain text; with `tab_separated_pairs`, "first<TAB>second" is a pair.
// Empty lines are skipped. Throws ufb::Error naming the file and line for malformed input.
std::vector<TextInput> read_text_inputs(const std::vector<std::string>& texts, const std::string& path,
                                        bool tab_separated_pairs);

}  // namespace ufb::cli

#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb tokenize`: token ids and strings of each input line, as Hugging Face
// `tokenizers` would produce them.
void add_tokenize_command(CLI::App& app);

}  // namespace ufb::cli

#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb tokenizer train` on `app`: a WordPiece vocabulary trained on a text corpus,
// written as a Hugging Face tokenizer.json.
void add_tokenizer_train_command(CLI::App& app);

}  // namespace ufb::cli

#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// `ufb train mlm`: masked-LM pretraining from a text folder; `ufb train glue`: fine-tuning.
void add_train_command(CLI::App& app);

// "2h", "90m", "45s", "1.5h" or plain seconds. Throws ufb::Error naming the flag.
double parse_duration_seconds(const std::string& text);

}  // namespace ufb::cli

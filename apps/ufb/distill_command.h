#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// `ufb distill`: a dense BERT-family model made an FFF one (train/distillation.h).
void add_distill_command(CLI::App& app);

}  // namespace ufb::cli

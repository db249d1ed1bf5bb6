#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb eval glue` (one task, one split) and `ufb glue` (every task with data and a
// model: the GLUE table) on `app`.
void add_glue_commands(CLI::App& app);

}  // namespace ufb::cli

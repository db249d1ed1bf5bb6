#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb fill-mask`, `ufb embed` and `ufb classify` on `app`.
void add_model_commands(CLI::App& app);

}  // namespace ufb::cli

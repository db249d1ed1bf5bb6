#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb dump`: every intermediate state of a model run, as .npy files.
void add_dump_command(CLI::App& app);

}  // namespace ufb::cli

#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb bench kernels` on `app`.
void add_bench_command(CLI::App& app);

}  // namespace ufb::cli

#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// Registers `ufb bench model` under the `bench` command.
void add_bench_model_command(CLI::App& bench);

}  // namespace ufb::cli

#pragma once

#include <CLI/CLI.hpp>

namespace ufb::cli {

// `ufb serve`: the model behind an HTTP API shaped like text-embeddings-inference.
void add_serve_command(CLI::App& app);

}  // namespace ufb::cli

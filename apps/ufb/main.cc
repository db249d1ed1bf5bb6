// `ufb`: one program, one subcommand per job. Errors from any layer arrive here as exceptions
// and leave as one line on stderr.
#include <CLI/CLI.hpp>
#include <iostream>

#include "bench_command.h"
#include "glue_commands.h"
#include "model_commands.h"
#include "tokenize_command.h"
#include "tokenizer_train_command.h"
#include "train_command.h"
#include "ufb/error.h"
#include "ufb/system_info.h"

namespace {

void print_version() {
  const ufb::SystemInfo info = ufb::system_info();
  std::cout << "ufb 0.1.0\nCPU: " << info.cpu_model << " (" << info.cores << " cores, SIMD " << info.simd_target
            << ")\nOpenBLAS: " << info.openblas << "\noneDNN: " << info.onednn << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("ufb: fast feedforward networks and UltraFastBERT, on real hardware", "ufb");
  app.set_version_flag("--version", [] { print_version(); return std::string(); });
  app.require_subcommand(1);
  ufb::cli::add_bench_command(app);
  ufb::cli::add_model_commands(app);
  ufb::cli::add_tokenize_command(app);
  ufb::cli::add_train_command(app);
  ufb::cli::add_glue_commands(app);
  ufb::cli::add_tokenizer_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  } catch (const ufb::Error& error) {
    std::cerr << "ufb: error: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "ufb: internal error: " << error.what() << "\n";
    return 2;
  }
  return 0;
}

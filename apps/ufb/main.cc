// `ufb`: one program, one subcommand per job. Errors from any layer arrive here as exceptions
// and leave as one line on stderr.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "bench_command.h"
#include "distill_command.h"
#include "dump_command.h"
#include "glue_commands.h"
#include "model_commands.h"
#include "serve/serve_command.h"
#include "tokenize_command.h"
#include "ufb/distributed/communicator.h"
#include "tokenizer_train_command.h"
#include "train_command.h"
#include "ufb/error.h"
#include "ufb/model/builtin_model.h"
#include "ufb/system_info.h"

namespace {

void print_version() {
  const ufb::SystemInfo info = ufb::system_info();
  std::cout << "ufb 0.1.0\nCPU: " << info.cpu_model << " (" << info.cores << " cores, SIMD " << info.simd_target
            << ")\nOpenBLAS: " << info.openblas << "\noneDNN: " << info.onednn << "\n";
  std::cout << "Default model: " << (ufb::model::has_builtin_model() ? ufb::model::kBuiltinModelName : "none (give --model DIR)")
            << "\n";
}

}  // namespace

// After an error on one rank of an MPI job the others would wait forever: end them all.
int fail(int status) {
  ufb::distributed::Communicator::world().abort_job(status);
  return status;
}

// A forward pass allocates its activations and int32 sums anew at every layer, megabytes each.
// glibc would give freed heap memory back to the system and fault it in again at the next layer
// (batch-8 BERT-base in int8: a quarter of the time). Allocations up to 32 MB come from the heap
// and stay there for the next call; larger ones are still mapped and returned at once.
void keep_freed_memory() {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

int main(int argc, char** argv) {
  keep_freed_memory();
  const ufb::distributed::Communicator& world = ufb::distributed::Communicator::world();
  const std::string rank = world.size() > 1 ? " (rank " + std::to_string(world.rank()) + ")" : "";
  CLI::App app("ufb: fast feedforward networks and UltraFastBERT, on real hardware", "ufb");
  app.set_version_flag("--version", [] { print_version(); return std::string(); });
  app.require_subcommand(1);
  ufb::cli::add_bench_command(app);
  ufb::cli::add_model_commands(app);
  ufb::cli::add_dump_command(app);
  ufb::cli::add_tokenize_command(app);
  ufb::cli::add_serve_command(app);
  ufb::cli::add_train_command(app);
  ufb::cli::add_distill_command(app);
  ufb::cli::add_glue_commands(app);
  ufb::cli::add_tokenizer_train_command(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int status = app.exit(error);
    return status == 0 ? 0 : fail(status);
  } catch (const ufb::Error& error) {
    // One write per line: the ranks of an MPI job share the terminal.
    std::cerr << "ufb: error" + rank + ": " + error.what() + "\n";
    return fail(1);
  } catch (const std::exception& error) {
    std::cerr << "ufb: internal error" + rank + ": " + error.what() + "\n";
    return fail(2);
  }
  return 0;
}

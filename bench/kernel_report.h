#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <ostream>

#include "kernel_bench.h"

namespace ufb::bench {

// The human-readable tables: every timed case, then FFF speed-ups over each dense variant and
// over the best dense variant of the same batch and thread count, then the paper's method.
void print_kernel_report(const KernelBenchReport& report, std::ostream& out);

// The machine a benchmark ran on, as every --json report writes it.
nlohmann::json machine_json(const SystemInfo& machine);

// {"machine": {...}, "results": [...]}, written to a temporary file and renamed into place.
void write_kernel_json(const KernelBenchReport& report, const std::filesystem::path& path);

}  // namespace ufb::bench

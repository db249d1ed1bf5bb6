#include "ufb/system_info.h"

#include <cblas.h>

#include <fstream>
#include <sstream>
#include <oneapi/dnnl/dnnl.hpp>

#include "hwy/highway.h"
#include "ufb/threads.h"

namespace ufb {
namespace {

std::string cpuinfo_field(const std::string& key) {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "";
}

bool has_cpu_flag(const std::string& flag) {
  std::istringstream flags(cpuinfo_field("flags"));
  std::string word;
  while (flags >> word) {
    if (word == flag) return true;
  }
  return false;
}

std::string openblas_description() {
  const int parallel = openblas_get_parallel();
  const char* threading = parallel == 2 ? "OpenMP" : parallel == 1 ? "pthreads" : "sequential";
  return std::string(openblas_get_config()) + " (" + threading + ")";
}

}  // namespace

SystemInfo system_info() {
  SystemInfo info;
  info.cpu_model = cpuinfo_field("model name");
  // Lower bits are better targets; HWY_TARGETS are those our kernels were compiled for.
  const int64_t usable = hwy::SupportedTargets() & HWY_TARGETS;
  const int64_t best_target = usable & -usable;
  info.simd_target = hwy::TargetName(best_target);
  info.has_avx512_bf16 = has_cpu_flag("avx512_bf16");
  info.cores = available_cores();
  info.openblas = openblas_description();
  const dnnl_version_t* version = dnnl_version();
  info.onednn = std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
                std::to_string(version->patch) + (version->cpu_runtime == DNNL_RUNTIME_OMP ? " (OpenMP)" : "");
  return info;
}

}  // namespace ufb

#pragma once

#include <string>

namespace ufb {

// What the kernels run on, for benchmark reports and `ufb --version`.
struct SystemInfo {
  std::string cpu_model;       // from /proc/cpuinfo
  std::string simd_target;     // the Highway target our kernels dispatch to, e.g. "AVX2"
  bool has_avx512_bf16 = false;
  int cores = 0;               // cores this process may use
  std::string openblas;        // OpenBLAS configuration and threading layer
  std::string onednn;          // oneDNN version
};

SystemInfo system_info();

}  // namespace ufb

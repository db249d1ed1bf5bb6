#pragma once

// `ufb bench kernels`: FFF (CMM) variants against dense feedforward baselines at the same hidden
// size, batch and thread count, every variant on the same distinct random tokens and checked
// against the reference before it is timed.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "kernel_forms.h"
#include "timing.h"
#include "ufb/system_info.h"

namespace ufb::bench {

struct KernelBenchOptions {
  int64_t hidden = 768;
  std::vector<int64_t> dense_widths = {4095, 3072};
  int depth = 11;
  int64_t trees = 1;
  std::vector<int64_t> batches = {1, 16, 128, 1024, 16384};
  std::vector<int> threads = {1, 0};  // 0 = all cores
  std::vector<FffForm> fff_impls = {FffForm::masked_dense, FffForm::blas_l1, FffForm::blas_l2, FffForm::native};
  std::vector<DenseForm> dense_impls = {DenseForm::blas_l1, DenseForm::blas_l2, DenseForm::blas_l3,
                                        DenseForm::onednn};
  bool native_bf16 = true;        // also time `native` with bf16 weights
  bool native_int8 = true;        // also time `native` with int8 weights and tokens (CPU only)
  double min_seconds = 0.5;       // per case, after warm-up
  int min_repeats = 5;
  double max_call_seconds = 4.0;  // skip a case whose one call is predicted to take longer
  bool paper_method = false;
  unsigned seed = 1;

  // "cpu" or "cuda" (docs/cuda.md). On "cuda" the threads, fff_impls and dense_impls above are
  // not used: the CUDA variants are named below (empty: all of them); FFF and dense run with f32
  // weights and, unless native_bf16 is off, with bf16 weights too.
  std::string device = "cpu";
  std::vector<std::string> cuda_fff_impls;
  std::vector<std::string> cuda_dense_impls;
  int64_t cuda_naive_dense_max_batch = 1024;  // the naive dense kernel is slow beyond this
  int64_t cuda_check_tokens = 64;             // per call, compared with the CPU reference
};

struct KernelResult {
  std::string op;    // "fff" or "ff"
  std::string impl;  // e.g. "native", "onednn"
  int64_t hidden = 0;
  int64_t width = 0;  // neurons: 4095 for FFF depth 11
  std::optional<int> depth;
  int64_t trees = 1;
  int64_t batch = 0;
  int threads = 0;
  std::string dtype;  // "f32" or "bf16"
  bool identical_inputs = false;  // the paper's method: every token takes the same path
  double flops_per_token = 0;
  TimingStats timing;  // per call of `batch` tokens
  std::string device = "cpu";  // "cuda": `threads` is meaningless

  double us_per_token(double seconds_per_call) const { return seconds_per_call * 1e6 / batch; }
  double median_us_per_token() const { return us_per_token(timing.median_seconds); }
  double gflops() const { return flops_per_token / (median_us_per_token() * 1e3); }
};

// What a --device cuda run measured besides the kernels (bench/cuda/device_probes.h).
struct GpuProbes {
  double hbm_read_bytes_per_second = 0;  // streaming reads of a buffer far larger than L2
  double hbm_copy_bytes_per_second = 0;  // bytes read plus bytes written copying such a buffer
  double l2_read_bytes_per_second = 0;   // the same reads of an L2-resident buffer, all SMs
  double l2_latency_seconds = 0;         // one dependent load that hits L2 (pointer chase)
  double graph_kernel_seconds = 0;       // an empty kernel launched from a CUDA graph
  double stream_kernel_seconds = 0;      // an empty kernel launched on a stream, host cost included
};

struct GpuDescription {
  std::string name;
  int compute_capability = 0;
  int multiprocessors = 0;
  int64_t l2_cache_bytes = 0;
  int64_t memory_bytes = 0;
  std::string driver;       // NVIDIA kernel module version
  std::string cuda_driver;  // newest CUDA version the driver supports
  std::string cuda_runtime;  // the CUDA runtime ufb was built with
  std::string timing_method;
  GpuProbes probes;
};

struct KernelBenchReport {
  SystemInfo machine;
  std::optional<GpuDescription> gpu;  // set by a --device cuda run
  std::vector<int> thread_counts;
  std::vector<KernelResult> results;
  std::vector<std::string> notes;  // distinct leaves reached, skipped and failed cases
};

// Progress goes to `progress`, one line per case. With device "cuda", throws ufb::Error when
// this build has no CUDA backend or no CUDA GPU is usable.
KernelBenchReport run_kernel_bench(const KernelBenchOptions& options, std::ostream& progress);

// The --device cuda run (bench/cuda/cuda_kernel_bench.cc), built only with the CUDA backend.
KernelBenchReport run_cuda_kernel_bench(const KernelBenchOptions& options, std::ostream& progress);

}  // namespace ufb::bench

#pragma once

// `ufb bench kernels`: FFF (CMM) variants against dense feedforward baselines at the same hidden
// size, batch and thread count, every variant on the same distinct random tokens and checked
// against the reference before it is timed.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "timing.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"
#include "ufb/system_info.h"

namespace ufb::bench {

struct KernelBenchOptions {
  int64_t hidden = 768;
  std::vector<int64_t> dense_widths = {4095, 3072};
  int depth = 11;
  int64_t trees = 1;
  std::vector<int64_t> batches = {1, 16, 128, 1024, 16384};
  std::vector<int> threads = {1, 0};  // 0 = all cores
  std::vector<ops::FffImpl> fff_impls = {ops::FffImpl::masked_dense, ops::FffImpl::blas_l1,
                                         ops::FffImpl::blas_l2, ops::FffImpl::native};
  std::vector<ops::DenseFfImpl> dense_impls = {ops::DenseFfImpl::blas_l1, ops::DenseFfImpl::blas_l2,
                                               ops::DenseFfImpl::blas_l3, ops::DenseFfImpl::onednn};
  bool native_bf16 = true;        // also time `native` with bf16 weights
  double min_seconds = 0.5;       // per case, after warm-up
  int min_repeats = 5;
  double max_call_seconds = 4.0;  // skip a case whose one call is predicted to take longer
  bool paper_method = false;
  unsigned seed = 1;
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

  double us_per_token(double seconds_per_call) const { return seconds_per_call * 1e6 / batch; }
  double median_us_per_token() const { return us_per_token(timing.median_seconds); }
  double gflops() const { return flops_per_token / (median_us_per_token() * 1e3); }
};

struct KernelBenchReport {
  SystemInfo machine;
  std::vector<int> thread_counts;
  std::vector<KernelResult> results;
  std::vector<std::string> notes;  // distinct leaves reached, skipped and failed cases
};

// Progress goes to `progress`, one line per case.
KernelBenchReport run_kernel_bench(const KernelBenchOptions& options, std::ostream& progress);

}  // namespace ufb::bench

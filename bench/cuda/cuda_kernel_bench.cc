// `ufb bench kernels --device cuda`: the CUDA FFF variants against the CUDA dense baselines,
// each checked against the CPU reference on the first tokens of a call before it is timed.
#include <cuda_runtime.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <random>
#include <sstream>

#include "cuda/cuda_check.h"
#include "cuda/cuda_timing.h"
#include "cuda/cuda_kernel_forms.h"
#include "cuda/device_probes.h"
#include "kernel_bench.h"
#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/device.h"
#include "ufb/error.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/synthetic.h"

namespace ufb::bench {
namespace {

using ops::WeightType;

constexpr float kRoutingMargin = 1e-3f;  // checked tokens have no logit this close to 0
constexpr double kFffTolerance = 2e-5;   // of the reference output's scale, as tests/cuda
// cuda_native's two paths are also timed the other way round up to this batch (an ablation:
// which path is faster where; rows named cuda_native:warp_per_token / :block_per_token).
constexpr int64_t kPathAblationMaxBatch = 1024;

const char* const kTimingMethod =
    "CUDA events around replays of a CUDA graph of back-to-back calls (~0.2 ms of GPU work, at most 100 "
    "calls) after 3 warm-up calls; each call takes the next slice of distinct random tokens; median, min "
    "and max over the replays, per call; weights resident in L2 after warm-up";

double dense_tolerance(CudaDenseForm form) {
  switch (form) {
    case CudaDenseForm::cublaslt_tf32: return 5e-3;
    case CudaDenseForm::cublaslt_bf16: return 3e-2;
    default: return 3e-5;
  }
}

// "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Release Build ..."
std::string driver_version() {
  std::ifstream file("/proc/driver/nvidia/version");
  std::string line;
  std::getline(file, line);
  const size_t module = line.find("Kernel Module");
  if (module == std::string::npos) return "unknown";
  std::istringstream words(line.substr(module));
  for (std::string word; words >> word;) {
    if (std::isdigit(static_cast<unsigned char>(word.front())) && word.find('.') != std::string::npos) return word;
  }
  return "unknown";
}

std::string cuda_version(int version) {
  return std::to_string(version / 1000) + "." + std::to_string(version % 1000 / 10);
}

GpuDescription describe_gpu(const cuda::DeviceInfo& info) {
  GpuDescription gpu;
  gpu.name = info.name;
  gpu.compute_capability = info.compute_capability;
  gpu.multiprocessors = info.multiprocessors;
  gpu.l2_cache_bytes = info.l2_cache_bytes;
  gpu.memory_bytes = info.memory_bytes;
  gpu.driver = driver_version();
  gpu.cuda_driver = cuda_version(info.driver_version);
  gpu.cuda_runtime = cuda_version(info.runtime_version);
  gpu.timing_method = kTimingMethod;
  return gpu;
}

template <typename Impl>
std::vector<Impl> selected(std::span<const Impl> all, const std::vector<std::string>& names,
                           Impl (*parse)(std::string_view)) {
  if (names.empty()) return {all.begin(), all.end()};
  std::vector<Impl> impls;
  for (const std::string& name : names) impls.push_back(parse(name));
  return impls;
}

// The reference output of the checked tokens.
struct Expected {
  std::vector<float> y;
  std::vector<int32_t> leaves;  // FFF only
  double tolerance = 0;
};

class CudaKernelBench {
 public:
  CudaKernelBench(const KernelBenchOptions& options, const Device& device, std::ostream& progress)
      : options_(options), device_(device), progress_(progress), rng_(options.seed),
        max_batch_(*std::max_element(options.batches.begin(), options.batches.end())) {
    UFB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    report_.machine = system_info();
    report_.gpu = describe_gpu(cuda::current_device_info());
  }
  ~CudaKernelBench() { cudaStreamDestroy(stream_); }
  CudaKernelBench(const CudaKernelBench&) = delete;
  CudaKernelBench& operator=(const CudaKernelBench&) = delete;

  KernelBenchReport run() {
    const GpuDescription& gpu = *report_.gpu;
    progress_ << "GPU: " << gpu.name << " (sm_" << gpu.compute_capability << ", " << gpu.multiprocessors
              << " SMs, " << (gpu.l2_cache_bytes >> 20) << " MB L2), driver " << gpu.driver << ", CUDA "
              << gpu.cuda_runtime << "\n" << std::flush;
    report_.gpu->probes = measure_gpu_probes(cuda::current_device_info(), stream_);
    const ops::FffLayer fff = ops::random_fff_layer({options_.hidden, options_.depth, options_.trees}, rng_);
    std::vector<ops::DenseFfLayer> dense;
    for (int64_t width : options_.dense_widths) {
      dense.push_back(ops::random_dense_ff_layer({options_.hidden, width}, false, rng_));
    }
    x_ = cuda::DeviceBuffer<float>(static_cast<size_t>(max_batch_ * options_.hidden));
    y_ = cuda::DeviceBuffer<float>(x_.size());
    leaves_ = cuda::DeviceBuffer<int32_t>(static_cast<size_t>(max_batch_ * options_.trees));
    std::vector<WeightType> dtypes = {WeightType::f32};
    if (options_.native_bf16) dtypes.push_back(WeightType::bf16);
    for (WeightType dtype : dtypes) {
      const ops::FffLayer fff_expected = dtype == WeightType::bf16 ? ops::rounded_to_bf16(fff) : fff;
      x_.upload(ops::tokens_with_routing_margin(fff_expected.view(), max_batch_, kRoutingMargin, rng_,
                                                options_.cuda_check_tokens));
      bench_fff_variants(fff, fff_expected, dtype);
      for (const ops::DenseFfLayer& layer : dense) bench_dense_variants(layer, dtype);
    }
    return std::move(report_);
  }

 private:
  int64_t checked_tokens(int64_t batch) const { return std::min(batch, options_.cuda_check_tokens); }

  std::vector<float> checked_inputs() const {
    std::vector<float> x(static_cast<size_t>(checked_tokens(max_batch_) * options_.hidden));
    cuda::copy_to_host(x.data(), x_.data(), x.size() * sizeof(float));
    return x;
  }

  void bench_fff_variants(const ops::FffLayer& layer, const ops::FffLayer& expected_layer, WeightType dtype) {
    const std::vector<float> x = checked_inputs();
    const int64_t tokens = checked_tokens(max_batch_);
    Expected expected{std::vector<float>(x.size()), std::vector<int32_t>(tokens * options_.trees), kFffTolerance};
    ops::make_fff_kernel(ops::FffImpl::reference, expected_layer.view())->forward(x, tokens, expected.y, expected.leaves);
    const auto forms = selected<CudaFffForm>(all_cuda_fff_forms(), options_.cuda_fff_impls, parse_cuda_fff_form);
    for (const CudaFffForm form : forms) {
      const auto kernel = make_cuda_fff_form(form, layer.view(), dtype, device_);
      for (int64_t batch : options_.batches) bench_fff(*kernel, std::string(to_string(form)), dtype, batch, expected);
      if (form == CudaFffForm::native) bench_native_path_ablation(layer, dtype, expected);
    }
  }

  void bench_native_path_ablation(const ops::FffLayer& layer, WeightType dtype, const Expected& expected) {
    const int64_t threshold = ops::CudaFffOptions{}.block_per_token_max_batch;
    const auto warp_path = make_cuda_fff_form(CudaFffForm::native, layer.view(), dtype, device_, {0});
    const auto block_path = make_cuda_fff_form(CudaFffForm::native, layer.view(), dtype, device_, {INT64_MAX});
    for (int64_t batch : options_.batches) {
      if (batch > kPathAblationMaxBatch) continue;
      if (batch <= threshold) {
        bench_fff(*warp_path, "cuda_native:warp_per_token", dtype, batch, expected);
      } else {
        bench_fff(*block_path, "cuda_native:block_per_token", dtype, batch, expected);
      }
    }
  }

  void bench_fff(const ops::FffKernel& kernel, const std::string& name, WeightType dtype, int64_t batch,
                 const Expected& expected) {
    const ops::FffShape& shape = kernel.shape();
    KernelResult row{"fff", name, shape.hidden, shape.neurons(), shape.depth, shape.trees, batch, 0,
                     std::string(ops::to_string(dtype)), false,
                     4.0 * static_cast<double>(shape.trees * shape.levels() * shape.hidden), {}, "cuda"};
    check_and_time(row, expected, [&](int64_t call, cudaStream_t stream) {
      const cuda::StreamScope on(stream);
      kernel.forward(inputs(call, batch), batch, outputs(batch), {leaves_.data(), static_cast<size_t>(batch * shape.trees)});
    });
  }

  void bench_dense_variants(const ops::DenseFfLayer& layer, WeightType dtype) {
    const ops::DenseFfLayer expected_layer = dtype == WeightType::bf16 ? ops::rounded_to_bf16(layer) : layer;
    const std::vector<float> x = checked_inputs();
    const int64_t tokens = checked_tokens(max_batch_);
    std::vector<float> expected_y(x.size());
    ops::make_dense_ff_kernel(ops::DenseFfImpl::reference, expected_layer.view())->forward(x, tokens, expected_y);
    const auto forms = selected<CudaDenseForm>(all_cuda_dense_forms(), options_.cuda_dense_impls,
                                               parse_cuda_dense_form);
    for (const CudaDenseForm form : forms) {
      if (!supports(form, dtype)) continue;
      const auto kernel = make_cuda_dense_form(form, layer.view(), dtype, device_);
      const Expected expected{expected_y, {}, dense_tolerance(form)};
      for (int64_t batch : options_.batches) {
        if (form == CudaDenseForm::naive && batch > options_.cuda_naive_dense_max_batch) {
          report_.notes.push_back("not timed: dense cuda_naive " + std::string(to_string(dtype)) + " width " +
                                  std::to_string(layer.shape.width) + " batch " + std::to_string(batch) +
                                  " (above --cuda-naive-dense-max-batch)");
          continue;
        }
        KernelResult row{"ff", std::string(to_string(form)), layer.shape.hidden, layer.shape.width, std::nullopt,
                         1, batch, 0, std::string(ops::to_string(dtype)), false,
                         4.0 * static_cast<double>(layer.shape.width * layer.shape.hidden), {}, "cuda"};
        check_and_time(row, expected, [&](int64_t call, cudaStream_t stream) {
          const cuda::StreamScope on(stream);
          kernel->forward(inputs(call, batch), batch, outputs(batch));
        });
      }
    }
  }

  // The device arrays of one call: its slice of the inputs and the start of the outputs.
  std::span<const float> inputs(int64_t call, int64_t batch) const {
    return {x_.data() + slice_offset(call, batch), static_cast<size_t>(batch * options_.hidden)};
  }
  std::span<float> outputs(int64_t batch) const {
    return {y_.data(), static_cast<size_t>(batch * options_.hidden)};
  }

  // Call i reads the i-th slice of `batch` tokens (cycling), so that small batches do not time
  // one token's path over and over. Slice 0 starts with the checked tokens. The cuBLASLt
  // baselines need 16-byte aligned inputs, so a hidden size that is not a multiple of 4 always
  // reads slice 0.
  int64_t slice_offset(int64_t call, int64_t batch) const {
    if (options_.hidden % 4 != 0) return 0;
    return call % (max_batch_ / batch) * batch * options_.hidden;
  }

  void check_and_time(KernelResult row, const Expected& expected, const CudaCall& call) {
    call(0, stream_);
    UFB_CUDA_CHECK(cudaStreamSynchronize(stream_));
    if (const std::string problem = mismatch(row, expected); !problem.empty()) {
      report_.notes.push_back("FAILED check, not timed: " + describe(row) + ": " + problem);
      progress_ << "  " << report_.notes.back() << "\n" << std::flush;
      return;
    }
    row.timing = time_cuda_calls(call, stream_, options_.min_seconds, options_.min_repeats);
    progress_ << "  " << describe(row) << ": " << row.median_us_per_token() << " us/token\n" << std::flush;
    report_.results.push_back(std::move(row));
  }

  // Empty when the first tokens of the last call's output (and leaves) match the reference.
  std::string mismatch(const KernelResult& row, const Expected& expected) const {
    const int64_t tokens = checked_tokens(row.batch);
    std::vector<float> y(static_cast<size_t>(tokens * row.hidden));
    y_.download_prefix(y);
    const double error = ops::relative_error(y, std::span(expected.y).first(y.size()));
    if (!(error <= expected.tolerance)) {
      return "output differs from the CPU reference by " + std::to_string(error) + " of its scale (allowed " +
             std::to_string(expected.tolerance) + ")";
    }
    if (expected.leaves.empty()) return "";
    std::vector<int32_t> leaves(static_cast<size_t>(tokens * row.trees));
    leaves_.download_prefix(leaves);
    if (!std::equal(leaves.begin(), leaves.end(), expected.leaves.begin())) {
      return "a token took a different path than in the CPU reference";
    }
    return "";
  }

  static std::string describe(const KernelResult& row) {
    return row.op + " " + row.impl + " " + row.dtype + " width " + std::to_string(row.width) + " batch " +
           std::to_string(row.batch);
  }

  KernelBenchOptions options_;
  Device device_;
  std::ostream& progress_;
  std::mt19937 rng_;
  int64_t max_batch_;
  cudaStream_t stream_ = nullptr;
  cuda::DeviceBuffer<float> x_;
  cuda::DeviceBuffer<float> y_;
  cuda::DeviceBuffer<int32_t> leaves_;
  KernelBenchReport report_;
};

}  // namespace

KernelBenchReport run_cuda_kernel_bench(const KernelBenchOptions& options, std::ostream& progress) {
  // Bad names are reported before the GPU is looked for.
  for (const std::string& name : options.cuda_fff_impls) parse_cuda_fff_form(name);
  for (const std::string& name : options.cuda_dense_impls) parse_cuda_dense_form(name);
  const Device device = parse_device(options.device);
  cuda::use_device(device.index, "--device " + options.device);
  return CudaKernelBench(options, device, progress).run();
}

}  // namespace ufb::bench

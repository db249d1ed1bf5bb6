#include "kernel_bench.h"

#include <algorithm>
#include <functional>
#include <cmath>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "ufb/device.h"
#include "ufb/error.h"
#include "ufb/ops/compare.h"
#include "ufb/ops/synthetic.h"
#include "ufb/threads.h"

namespace ufb::bench {
namespace {

// Small batches rotate through at least this many distinct tokens, so that repeated calls do
// not find one path's weights already in cache.
constexpr int64_t kMinPoolTokens = 4096;
constexpr double kCheckTolerance = 1e-4;  // relative to the reference output's scale
constexpr int64_t kDenseCheckTokens = 4;   // the dense oracle costs ~10 ms per token

struct TokenPool {
  int64_t batch = 0;
  int64_t hidden = 0;
  int64_t slices = 0;
  std::vector<float> tokens;

  const float* slice(int64_t call) const { return tokens.data() + (call % slices) * batch * hidden; }
  std::span<const float> first_slice() const { return {tokens.data(), static_cast<size_t>(batch * hidden)}; }
};

TokenPool make_pool(int64_t batch, int64_t hidden, bool identical_tokens, std::mt19937& rng) {
  TokenPool pool{batch, hidden, std::max<int64_t>(1, (kMinPoolTokens + batch - 1) / batch), {}};
  if (identical_tokens) {
    const std::vector<float> token = ops::random_tokens(1, hidden, rng);
    for (int64_t i = 0; i < pool.slices * batch; ++i) pool.tokens.insert(pool.tokens.end(), token.begin(), token.end());
  } else {
    pool.tokens = ops::random_tokens(pool.slices * batch, hidden, rng);
  }
  return pool;
}

std::string format_seconds(double seconds) {
  std::ostringstream text;
  text << seconds << " s";
  return text.str();
}

std::string describe(const KernelResult& row) {
  std::ostringstream text;
  text << row.op << " " << row.impl << " " << row.dtype << " width " << row.width << " batch "
       << row.batch << " threads " << row.threads << (row.identical_inputs ? " identical tokens" : "");
  return text.str();
}

struct FffReferenceOutput {
  std::vector<float> y;
  std::vector<int32_t> leaves;
};

class KernelBench {
 public:
  KernelBench(const KernelBenchOptions& options, std::ostream& progress)
      : options_(options), progress_(progress), rng_(options.seed) {
    fff_layer_ = ops::random_fff_layer({options.hidden, options.depth, options.trees}, rng_);
    fff_layer_bf16_ = ops::rounded_to_bf16(fff_layer_);
    for (int64_t width : options.dense_widths) {
      dense_layers_.push_back(ops::random_dense_ff_layer({options.hidden, width}, false, rng_));
    }
    for (int threads : options.threads) {
      const int resolved = threads == 0 ? available_cores() : threads;
      if (std::find(report_.thread_counts.begin(), report_.thread_counts.end(), resolved) == report_.thread_counts.end()) {
        report_.thread_counts.push_back(resolved);
      }
    }
    report_.machine = system_info();
  }

  KernelBenchReport run() {
    for (int threads : report_.thread_counts) {
      set_num_threads(threads);
      for (int64_t batch : options_.batches) run_batch(threads, batch, false);
    }
    if (options_.paper_method) {
      set_num_threads(1);
      for (int64_t batch : options_.batches) run_batch(1, batch, true);
    }
    return std::move(report_);
  }

 private:
  void run_batch(int threads, int64_t batch, bool identical_tokens) {
    const TokenPool pool = make_pool(batch, options_.hidden, identical_tokens, rng_);
    if (!identical_tokens) {
      for (size_t w = 0; w < dense_layers_.size(); ++w) {
        for (const DenseForm form : options_.dense_impls) bench_dense(dense_layers_[w], form, pool, threads);
      }
    }
    const FffReferenceOutput reference = fff_reference(fff_layer_, pool);
    note_leaf_spread(pool, threads, identical_tokens);
    for (const FffForm form : options_.fff_impls) {
      bench_fff(form, ops::WeightType::f32, pool, threads, identical_tokens, reference);
    }
    if (options_.native_bf16 && !identical_tokens) {
      const FffReferenceOutput reference_bf16 = fff_reference(fff_layer_bf16_, pool);
      bench_fff(FffForm::native, ops::WeightType::bf16, pool, threads, false, reference_bf16);
    }
    if (options_.native_int8 && !identical_tokens) {
      const FffReferenceOutput reference_int8 = fff_reference(fff_layer_, pool, ops::WeightType::int8);
      bench_fff(FffForm::native, ops::WeightType::int8, pool, threads, false, reference_int8);
    }
  }

  FffReferenceOutput fff_reference(const ops::FffLayer& layer, const TokenPool& pool,
                                   ops::WeightType dtype = ops::WeightType::f32) const {
    FffReferenceOutput out{std::vector<float>(pool.batch * pool.hidden),
                           std::vector<int32_t>(pool.batch * options_.trees)};
    ops::make_fff_kernel(ops::FffImpl::reference, layer.view(), dtype)
        ->forward(pool.first_slice(), pool.batch, out.y, out.leaves);
    return out;
  }

  // How well the timed tokens cover the tree: the distinct leaves of tree 0 over every token the
  // calls rotate through.
  void note_leaf_spread(const TokenPool& pool, int threads, bool identical) {
    if (threads != report_.thread_counts.front() && !identical) return;
    const int64_t tokens = pool.slices * pool.batch;
    std::vector<float> y(tokens * pool.hidden);
    std::vector<int32_t> leaves(tokens * options_.trees);
    ops::make_fff_kernel(ops::FffImpl::reference, fff_layer_.view())->forward(pool.tokens, tokens, y, leaves);
    std::set<int32_t> distinct;
    for (size_t i = 0; i < leaves.size(); i += options_.trees) distinct.insert(leaves[i]);
    report_.notes.push_back("batch " + std::to_string(pool.batch) + (identical ? " (identical tokens)" : "") + ": the " +
                            std::to_string(tokens) + " tokens timed reached " + std::to_string(distinct.size()) +
                            " distinct leaves of tree 0 (of " + std::to_string(1 << options_.depth) + ")");
  }

  void bench_fff(FffForm form, ops::WeightType dtype, const TokenPool& pool, int threads,
                 bool identical, const FffReferenceOutput& reference) {
    const ops::FffShape& shape = fff_layer_.shape;
    KernelResult row{"fff", std::string(to_string(form)), shape.hidden, shape.neurons(), shape.depth,
                     shape.trees, pool.batch, threads, std::string(ops::to_string(dtype)), identical,
                     4.0 * static_cast<double>(shape.trees * shape.levels() * shape.hidden), {}};
    if (predicted_too_slow(row)) return;
    const ops::FffKernel& kernel = fff_kernel(form, dtype);
    std::vector<float> y(pool.batch * pool.hidden);
    std::vector<int32_t> leaves(pool.batch * shape.trees);
    kernel.forward(pool.first_slice(), pool.batch, y, leaves);
    const int64_t wrong_paths = std::inner_product(leaves.begin(), leaves.end(), reference.leaves.begin(), int64_t{0},
                                                   std::plus<>(), std::not_equal_to<>());
    const double error = ops::relative_error(y, reference.y);
    if (wrong_paths > 0 || error > kCheckTolerance) {
      return fail(row, std::to_string(wrong_paths) + " paths differ, relative error " + std::to_string(error));
    }
    time_case(row, pool, [&](const float* x, float* out) { kernel.forward({x, y.size()}, pool.batch, {out, y.size()}); });
  }

  void bench_dense(const ops::DenseFfLayer& layer, DenseForm form, const TokenPool& pool, int threads) {
    KernelResult row{"ff", std::string(to_string(form)), layer.shape.hidden, layer.shape.width, std::nullopt,
                     1, pool.batch, threads, "f32", false,
                     4.0 * static_cast<double>(layer.shape.width * layer.shape.hidden), {}};
    if (predicted_too_slow(row)) return;
    const auto kernel = make_dense_form(form, layer.view());
    std::vector<float> y(pool.batch * pool.hidden);
    kernel->forward(pool.first_slice(), pool.batch, y);
    const int64_t checked = std::min(pool.batch, kDenseCheckTokens);
    std::vector<float> expected(checked * pool.hidden);
    ops::make_dense_ff_kernel(ops::DenseFfImpl::reference, layer.view())
        ->forward(pool.first_slice().first(expected.size()), checked, expected);
    const double error = ops::relative_error(std::span(y).first(expected.size()), expected);
    if (error > kCheckTolerance) return fail(row, "relative error " + std::to_string(error));
    time_case(row, pool, [&](const float* x, float* out) { kernel->forward({x, y.size()}, pool.batch, {out, y.size()}); });
  }

  const ops::FffKernel& fff_kernel(FffForm form, ops::WeightType dtype) {
    auto& kernel = fff_kernels_[{form, dtype}];
    if (!kernel) kernel = make_fff_form(form, fff_layer_.view(), dtype);
    return *kernel;
  }

  // A variant's cost per token hardly falls with batch size, so its time at a smaller batch
  // predicts whether one call at this batch fits the budget.
  bool predicted_too_slow(const KernelResult& row) {
    const auto found = seconds_per_token_.find(series_key(row));
    if (found == seconds_per_token_.end()) return false;
    const double predicted = found->second * static_cast<double>(row.batch);
    if (predicted <= options_.max_call_seconds) return false;
    report_.notes.push_back("skipped " + describe(row) + ": one call would take ~" +
                            std::to_string(static_cast<int>(predicted + 0.5)) + " s (--max-call-seconds " +
                            format_seconds(options_.max_call_seconds) + ")");
    return true;
  }

  void time_case(KernelResult row, const TokenPool& pool, const std::function<void(const float*, float*)>& forward) {
    std::vector<float> out(pool.batch * pool.hidden);
    row.timing = time_calls([&](int64_t call) { forward(pool.slice(call), out.data()); },
                            options_.min_seconds, options_.min_repeats);
    seconds_per_token_[series_key(row)] = row.timing.median_seconds / static_cast<double>(row.batch);
    progress_ << "  " << describe(row) << ": " << row.median_us_per_token() << " us/token\n" << std::flush;
    report_.results.push_back(std::move(row));
  }

  void fail(const KernelResult& row, const std::string& why) {
    report_.notes.push_back("FAILED check, not timed: " + describe(row) + ": " + why);
    progress_ << "  " << report_.notes.back() << "\n" << std::flush;
  }

  static std::string series_key(const KernelResult& row) {
    return row.op + row.impl + row.dtype + std::to_string(row.width) + "/" + std::to_string(row.threads) +
           (row.identical_inputs ? "same" : "");
  }

  KernelBenchOptions options_;
  std::ostream& progress_;
  std::mt19937 rng_;
  ops::FffLayer fff_layer_;
  ops::FffLayer fff_layer_bf16_;  // the reference for bf16 weights
  std::vector<ops::DenseFfLayer> dense_layers_;
  std::map<std::pair<FffForm, ops::WeightType>, std::unique_ptr<ops::FffKernel>> fff_kernels_;
  std::map<std::string, double> seconds_per_token_;
  KernelBenchReport report_;
};

}  // namespace

KernelBenchReport run_kernel_bench(const KernelBenchOptions& options, std::ostream& progress) {
  if (options.batches.empty()) throw Error("bench: no batch sizes given");
  for (int64_t batch : options.batches) {
    if (batch < 1) throw Error("bench: batch sizes must be >= 1, got " + std::to_string(batch));
  }
  if (parse_device(options.device).is_cuda()) {
#ifdef UFB_HAVE_CUDA
    return run_cuda_kernel_bench(options, progress);
#else
    throw Error("--device " + options.device +
                ": this ufb was built without the CUDA backend (configure with -DUFB_CUDA=ON)");
#endif
  }
  return KernelBench(options, progress).run();
}

}  // namespace ufb::bench

#include "cuda/device_probes.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <functional>
#include <numeric>
#include <random>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/cuda_timing.h"
#include "ufb/cuda/device_buffer.h"

namespace ufb::bench {
namespace {

constexpr int kThreadsPerBlock = 256;
constexpr int kBlocksPerSm = 8;
constexpr int kLoadsInFlight = 4;      // independent 16-byte loads per thread per step
constexpr double kL2BytesRead = 2e9;   // total bytes per L2 sample
constexpr int kSamples = 5;            // the best of these is reported
constexpr int64_t kLineBytes = 128;
constexpr int kChaseSteps = 20000;
constexpr int kEmptyKernels = 100;

// Visits the `count` float4s of a buffer, spread over the grid, kLoadsInFlight loads at a time:
// use(i, load(i)), all loads of a group issued before their uses.
template <typename Load, typename Use>
__device__ __forceinline__ void grid_stride(int64_t count, const Load& load, const Use& use) {
  const int64_t stride = int64_t{gridDim.x} * blockDim.x;
  int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  for (; i + (kLoadsInFlight - 1) * stride < count; i += kLoadsInFlight * stride) {
    float4 v[kLoadsInFlight];
#pragma unroll
    for (int k = 0; k < kLoadsInFlight; ++k) v[k] = load(i + k * stride);
#pragma unroll
    for (int k = 0; k < kLoadsInFlight; ++k) use(i + k * stride, v[k]);
  }
  for (; i < count; i += stride) use(i, load(i));
}

// Sums `repeats` passes over `data` with L2-only loads (ld.global.cg), so that an L2-resident
// buffer is served by L2 and not by the SMs' L1. The sum is stored only when it equals a value
// a zero-filled buffer never gives, which keeps the loads without writing anything.
__global__ void read_passes(const float4* data, int64_t count, int repeats, float* sink) {
  float sum = 0.0f;
  for (int r = 0; r < repeats; ++r) {
    grid_stride(count, [&](int64_t i) { return __ldcg(data + i); },
                [&](int64_t, float4 v) { sum += v.x + v.y + v.z + v.w; });
  }
  if (sum == 1234.5f) *sink = sum;
}

// dst = src with streaming loads and stores.
__global__ void copy_once(const float4* src, float4* dst, int64_t count) {
  grid_stride(count, [&](int64_t i) { return __ldcs(src + i); }, [&](int64_t i, float4 v) { __stcs(dst + i, v); });
}

// One thread follows `steps` links of a chain of 128-byte lines (each line's first word is the
// index of the next line's first word), every load waiting for the one before.
__global__ void chase(const uint32_t* chain, int steps, uint32_t* sink) {
  uint32_t at = 0;
  for (int s = 0; s < steps; ++s) at = __ldcg(chain + at);
  *sink = at;
}

__global__ void empty_kernel() {}

// The shortest of kSamples runs of `work` after one warm-up run, in GPU seconds.
double best_seconds(const std::function<void()>& work, cudaStream_t stream) {
  CudaEventPair events;
  events.seconds(work, stream);
  double best = 1e30;
  for (int s = 0; s < kSamples; ++s) best = std::min(best, events.seconds(work, stream));
  return best;
}

double read_bytes_per_second(const cuda::DeviceInfo& device, int64_t buffer_bytes, int repeats,
                             cudaStream_t stream) {
  const int64_t count = buffer_bytes / static_cast<int64_t>(sizeof(float4));
  const cuda::DeviceBuffer<float4> buffer(static_cast<size_t>(count));
  const cuda::DeviceBuffer<float> sink(1);
  UFB_CUDA_CHECK(cudaMemsetAsync(buffer.data(), 0, static_cast<size_t>(count) * sizeof(float4), stream));
  const unsigned blocks = static_cast<unsigned>(device.multiprocessors * kBlocksPerSm);
  const auto pass = [&] {
    read_passes<<<blocks, kThreadsPerBlock, 0, stream>>>(buffer.data(), count, repeats, sink.data());
    UFB_CUDA_CHECK_LAUNCH("read_passes");
  };
  // The warm-up run also brings an L2-sized buffer into L2.
  return static_cast<double>(count) * sizeof(float4) * repeats / best_seconds(pass, stream);
}

// Bytes read plus bytes written per second, copying `buffer_bytes` into a second buffer.
double copy_bytes_per_second(const cuda::DeviceInfo& device, int64_t buffer_bytes, cudaStream_t stream) {
  const int64_t count = buffer_bytes / static_cast<int64_t>(sizeof(float4));
  const cuda::DeviceBuffer<float4> source(static_cast<size_t>(count));
  const cuda::DeviceBuffer<float4> target(static_cast<size_t>(count));
  UFB_CUDA_CHECK(cudaMemsetAsync(source.data(), 0, static_cast<size_t>(count) * sizeof(float4), stream));
  const unsigned blocks = static_cast<unsigned>(device.multiprocessors * kBlocksPerSm);
  const auto copy = [&] {
    copy_once<<<blocks, kThreadsPerBlock, 0, stream>>>(source.data(), target.data(), count);
    UFB_CUDA_CHECK_LAUNCH("copy_once");
  };
  return 2.0 * static_cast<double>(count) * sizeof(float4) / best_seconds(copy, stream);
}

double l2_latency_seconds(int64_t buffer_bytes, cudaStream_t stream) {
  const int64_t lines = buffer_bytes / kLineBytes;
  const int64_t words_per_line = kLineBytes / static_cast<int64_t>(sizeof(uint32_t));
  // A random cycle through every line (Sattolo's shuffle), so no prefetcher can guess the next.
  std::vector<uint32_t> order(static_cast<size_t>(lines));
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937 rng(5);
  for (int64_t i = lines - 1; i > 0; --i) {
    std::swap(order[i], order[std::uniform_int_distribution<int64_t>(0, i - 1)(rng)]);
  }
  std::vector<uint32_t> chain(static_cast<size_t>(lines * words_per_line), 0);
  for (int64_t i = 0; i < lines; ++i) chain[order[i] * words_per_line] = static_cast<uint32_t>(order[(i + 1) % lines] * words_per_line);
  const cuda::DeviceBuffer<uint32_t> device_chain{std::span<const uint32_t>(chain)};
  const cuda::DeviceBuffer<uint32_t> sink(1);
  const int warm_steps = static_cast<int>(std::min<int64_t>(lines, 1 << 20));
  const auto walk = [&](int steps) {
    chase<<<1, 1, 0, stream>>>(device_chain.data(), steps, sink.data());
    UFB_CUDA_CHECK_LAUNCH("chase");
  };
  CudaEventPair events;
  events.seconds([&] { walk(warm_steps); }, stream);  // every line into L2
  return best_seconds([&] { walk(kChaseSteps); }, stream) / kChaseSteps;
}

double graph_kernel_seconds(cudaStream_t stream) {
  const CudaCall call = [](int64_t, cudaStream_t s) { empty_kernel<<<1, 32, 0, s>>>(); };
  const CudaCallGraph graph(call, kEmptyKernels, stream);
  return best_seconds([&] { graph.launch(stream); }, stream) / kEmptyKernels;
}

// Host wall time per launch of back-to-back launches, the wait for the last one included.
double stream_kernel_seconds(cudaStream_t stream) {
  using Clock = std::chrono::steady_clock;
  double best = 1e30;
  for (int s = 0; s < kSamples; ++s) {
    const Clock::time_point start = Clock::now();
    for (int k = 0; k < kEmptyKernels; ++k) empty_kernel<<<1, 32, 0, stream>>>();
    UFB_CUDA_CHECK(cudaStreamSynchronize(stream));
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  UFB_CUDA_CHECK_LAUNCH("empty_kernel");
  return best / kEmptyKernels;
}

}  // namespace

GpuProbes measure_gpu_probes(const cuda::DeviceInfo& device, cudaStream_t stream) {
  GpuProbes probes;
  const int64_t hbm_buffer = std::min(device.l2_cache_bytes * 20, device.memory_bytes / 8);
  probes.hbm_read_bytes_per_second = read_bytes_per_second(device, hbm_buffer, 1, stream);
  probes.hbm_copy_bytes_per_second = copy_bytes_per_second(device, hbm_buffer / 2, stream);
  const int64_t l2_buffer = device.l2_cache_bytes / 4;
  const int repeats = std::max(1, static_cast<int>(kL2BytesRead / static_cast<double>(l2_buffer)));
  probes.l2_read_bytes_per_second = read_bytes_per_second(device, l2_buffer, repeats, stream);
  probes.l2_latency_seconds = l2_latency_seconds(l2_buffer, stream);
  probes.graph_kernel_seconds = graph_kernel_seconds(stream);
  probes.stream_kernel_seconds = stream_kernel_seconds(stream);
  return probes;
}

}  // namespace ufb::bench

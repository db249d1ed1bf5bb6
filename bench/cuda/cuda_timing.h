#pragma once

// GPU-side timing for `ufb bench kernels --device cuda`: CUDA events around replays of a CUDA
// graph of back-to-back calls, so that the host's launch cost is not part of the time.

#include <cuda_runtime.h>

#include <cstdint>
#include <functional>

#include "timing.h"

namespace ufb::bench {

// One call of the timed work queued on `stream`; `call_index` lets a caller rotate inputs.
using CudaCall = std::function<void(int64_t call_index, cudaStream_t stream)>;

// After 3 warm-up calls, `group` back-to-back calls (enough for ~0.2 ms of GPU work, at most
// 100) are captured into one CUDA graph; each sample is one replay's time divided by `group`.
// Samples go on until both `min_repeats` and `min_total_seconds` of replays are reached (at most
// 2000). Statistics are per call.
TimingStats time_cuda_calls(const CudaCall& call, cudaStream_t stream, double min_total_seconds,
                            int min_repeats);

// Start and stop events on one stream.
class CudaEventPair {
 public:
  CudaEventPair();
  ~CudaEventPair();
  CudaEventPair(const CudaEventPair&) = delete;
  CudaEventPair& operator=(const CudaEventPair&) = delete;

  // Seconds of GPU time from before `work` queues anything on `stream` to after it; waits.
  double seconds(const std::function<void()>& work, cudaStream_t stream);

 private:
  cudaEvent_t start_ = nullptr;
  cudaEvent_t stop_ = nullptr;
};

// `calls` calls captured into one executable CUDA graph.
class CudaCallGraph {
 public:
  CudaCallGraph(const CudaCall& call, int64_t calls, cudaStream_t stream);
  ~CudaCallGraph();
  CudaCallGraph(const CudaCallGraph&) = delete;
  CudaCallGraph& operator=(const CudaCallGraph&) = delete;

  void launch(cudaStream_t stream) const;

 private:
  cudaGraphExec_t exec_ = nullptr;
};

}  // namespace ufb::bench

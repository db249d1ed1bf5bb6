#include "cuda/cuda_timing.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "cuda/cuda_check.h"

namespace ufb::bench {
namespace {

constexpr int kWarmUpCalls = 3;
constexpr double kGroupSeconds = 2e-4;
constexpr int64_t kMaxGroup = 100;
constexpr int kMaxSamples = 2000;

}  // namespace

CudaEventPair::CudaEventPair() {
  UFB_CUDA_CHECK(cudaEventCreate(&start_));
  UFB_CUDA_CHECK(cudaEventCreate(&stop_));
}

CudaEventPair::~CudaEventPair() {
  cudaEventDestroy(start_);
  cudaEventDestroy(stop_);
}

double CudaEventPair::seconds(const std::function<void()>& work, cudaStream_t stream) {
  UFB_CUDA_CHECK(cudaEventRecord(start_, stream));
  work();
  UFB_CUDA_CHECK(cudaEventRecord(stop_, stream));
  UFB_CUDA_CHECK(cudaEventSynchronize(stop_));
  float milliseconds = 0;
  UFB_CUDA_CHECK(cudaEventElapsedTime(&milliseconds, start_, stop_));
  return milliseconds * 1e-3;
}

CudaCallGraph::CudaCallGraph(const CudaCall& call, int64_t calls, cudaStream_t stream) {
  UFB_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int64_t i = 0; i < calls; ++i) call(i, stream);
  cudaGraph_t graph = nullptr;
  UFB_CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  const cudaError_t status = cudaGraphInstantiate(&exec_, graph, 0);
  cudaGraphDestroy(graph);
  UFB_CUDA_CHECK(status);
}

CudaCallGraph::~CudaCallGraph() { cudaGraphExecDestroy(exec_); }

void CudaCallGraph::launch(cudaStream_t stream) const { UFB_CUDA_CHECK(cudaGraphLaunch(exec_, stream)); }

TimingStats time_cuda_calls(const CudaCall& call, cudaStream_t stream, double min_total_seconds,
                            int min_repeats) {
  CudaEventPair events;
  double single = 0;
  for (int i = 0; i < kWarmUpCalls; ++i) single = events.seconds([&] { call(i, stream); }, stream);
  const int64_t group = std::clamp<int64_t>(static_cast<int64_t>(kGroupSeconds / std::max(single, 1e-7)), 1, kMaxGroup);
  const CudaCallGraph graph(call, group, stream);
  graph.launch(stream);  // the first replay uploads the graph
  std::vector<double> per_call;
  double total = 0;
  while ((static_cast<int>(per_call.size()) < min_repeats || total < min_total_seconds) &&
         static_cast<int>(per_call.size()) < kMaxSamples) {
    const double seconds = events.seconds([&] { graph.launch(stream); }, stream);
    total += seconds;
    per_call.push_back(seconds / static_cast<double>(group));
  }
  return summarize_samples(std::move(per_call));
}

}  // namespace ufb::bench

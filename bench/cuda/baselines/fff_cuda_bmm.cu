// cuda_bmm: the gather + batched-matmul form of FFF inference in PyTorch code. Per level, the
// visited W_in rows of all (token, tree) pairs are gathered into one float32 tensor and a
// cuBLAS strided-batched gemv gives every token its logits; a small kernel adds the bias and
// steps to the children. At the end the visited W_out columns are gathered the same way and a
// second batched gemv sums them, weighted by GELU(logit), into y. bf16 weights are widened to
// float32 by the gathers, so the gemvs run in float32 either way.
#include "cuda/cublas_handles.h"
#include "cuda/cuda_check.h"
#include "ufb/cuda/device.h"
#include "cuda/device_math.cuh"
#include "cuda/baselines/cuda_baselines.h"
#include "cuda/weight_upload.h"

namespace ufb::bench {

using ops::FffKernel;
using ops::FffRecord;
using ops::FffShape;
using ops::FffWeights;
using ops::WeightType;
using ops::make_for_weight_type;
using ops::upload_transposed;
using ops::upload_weights;
namespace device = ops::device;

namespace {

constexpr int kThreads = 256;

unsigned blocks_for(int64_t items) { return static_cast<unsigned>((items + kThreads - 1) / kThreads); }

// out[i, :] = table[neurons[i], :] for i < rows; one block per gathered row.
template <typename W>
__global__ void gather_rows(const W* table, const int32_t* neurons, int64_t hidden, float* out) {
  const W* row = table + int64_t{neurons[blockIdx.x]} * hidden;
  float* target = out + int64_t{blockIdx.x} * hidden;
  for (int64_t h = threadIdx.x; h < hidden; h += blockDim.x) target[h] = device::widen(row[h]);
}

__global__ void start_at_roots(int32_t* current, int64_t pairs, int64_t trees, int64_t nodes_per_tree) {
  const int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i < pairs) current[i] = static_cast<int32_t>(i % trees * nodes_per_tree);
}

// For every (token, tree) pair i: records the level's neuron and GELU(logit), moves `current`
// to the child (absolute neuron index) and, after the last level, writes the leaf.
__global__ void route_level(const float* dots, const float* b_in, int32_t* current, int32_t* path_neurons,
                            float* path_activations, int32_t* leaves, int64_t pairs, int64_t trees,
                            int64_t nodes_per_tree, int level, int depth) {
  const int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  if (i >= pairs) return;
  const int32_t neuron = current[i];
  const float logit = dots[i] + b_in[neuron];
  const int64_t slot = i * (depth + 1) + level;  // [token][tree][level]
  path_neurons[slot] = neuron;
  path_activations[slot] = device::gelu(logit);
  const int64_t first = i % trees * nodes_per_tree;
  const int64_t node = neuron - first;
  if (level < depth) {
    current[i] = static_cast<int32_t>(first + device::child(node, logit));
  } else if (leaves) {
    leaves[i] = static_cast<int32_t>(node);
  }
}

template <typename W>
class BmmFffCuda final : public FffKernel {
 public:
  BmmFffCuda(const FffWeights& weights, const Device& device)
      : FffKernel(weights.shape, device),
        w_in_(upload_weights<W>(weights.w_in)),
        b_in_(weights.b_in),
        w_out_t_(upload_transposed<W>(weights.w_out, weights.shape.hidden, weights.shape.neurons())) {}

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    cuda::make_current(device().index);
    int32_t* leaves = record.leaves;
    const cudaStream_t stream = cuda::current_stream();
    const FffShape& s = shape();
    const int64_t pairs = batch * s.trees;
    const int64_t path = s.trees * s.levels();  // visited neurons per token
    current_.reserve(pairs);
    dots_.reserve(pairs);
    gathered_.reserve(batch * path * s.hidden);
    path_neurons_.reserve(batch * path);
    path_activations_.reserve(batch * path);
    const auto hidden = static_cast<int>(s.hidden);
    const float one = 1.0f;
    const float zero = 0.0f;
    UFB_CUDA_CHECK(cublasSetStream(cublas_.get(), stream));

    start_at_roots<<<blocks_for(pairs), kThreads, 0, stream>>>(current_.data(), pairs, s.trees, s.nodes_per_tree());
    UFB_CUDA_CHECK_LAUNCH("start_at_roots");
    for (int level = 0; level < s.levels(); ++level) {
      gather_rows<<<static_cast<unsigned>(pairs), kThreads, 0, stream>>>(w_in_.data(), current_.data(), s.hidden,
                                                                      gathered_.data());
      UFB_CUDA_CHECK_LAUNCH("gather_rows");
      // Per token: dots[trees] = gathered[trees, hidden] · x (column-major: op = transpose).
      UFB_CUDA_CHECK(cublasSgemvStridedBatched(cublas_.get(), CUBLAS_OP_T, hidden, static_cast<int>(s.trees), &one,
                                               gathered_.data(), hidden, s.trees * s.hidden, x, 1, s.hidden, &zero,
                                               dots_.data(), 1, s.trees, static_cast<int>(batch)));
      route_level<<<blocks_for(pairs), kThreads, 0, stream>>>(dots_.data(), b_in_.data(), current_.data(),
                                                            path_neurons_.data(), path_activations_.data(), leaves,
                                                            pairs, s.trees, s.nodes_per_tree(), level, s.depth);
      UFB_CUDA_CHECK_LAUNCH("route_level");
    }
    gather_rows<<<static_cast<unsigned>(batch * path), kThreads, 0, stream>>>(w_out_t_.data(), path_neurons_.data(),
                                                                           s.hidden, gathered_.data());
    UFB_CUDA_CHECK_LAUNCH("gather_rows");
    // Per token: y[hidden] = gathered[path, hidden]^T · activations[path].
    UFB_CUDA_CHECK(cublasSgemvStridedBatched(cublas_.get(), CUBLAS_OP_N, hidden, static_cast<int>(path), &one,
                                             gathered_.data(), hidden, path * s.hidden, path_activations_.data(), 1,
                                             path, &zero, y, 1, s.hidden, static_cast<int>(batch)));
  }

  cuda::DeviceBuffer<W> w_in_;
  cuda::DeviceBuffer<float> b_in_;
  cuda::DeviceBuffer<W> w_out_t_;  // [neurons, hidden]: a visited W_out column is a row here
  cuda::CublasHandle cublas_;
  // Scratch, grown to the largest batch seen.
  mutable cuda::DeviceBuffer<int32_t> current_;
  mutable cuda::DeviceBuffer<float> dots_;
  mutable cuda::DeviceBuffer<float> gathered_;
  mutable cuda::DeviceBuffer<int32_t> path_neurons_;
  mutable cuda::DeviceBuffer<float> path_activations_;
};

}  // namespace

std::unique_ptr<FffKernel> make_bmm_fff_cuda(const FffWeights& weights, WeightType weight_type, const Device& device) {
  return make_for_weight_type<FffKernel, BmmFffCuda>(weight_type, weights, device);
}

}  // namespace ufb::bench

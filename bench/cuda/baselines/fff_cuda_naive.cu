// cuda_naive: one thread block per token walks each tree, one visited node at a time.
#include "cuda/cuda_check.h"
#include "ufb/cuda/device.h"
#include "cuda/baselines/cuda_baselines.h"
#include "cuda/baselines/naive_neuron.cuh"
#include "cuda/weight_upload.h"

namespace ufb::bench {

using ops::FffKernel;
using ops::FffRecord;
using ops::FffShape;
using ops::FffWeights;
using ops::WeightType;
using ops::make_for_weight_type;
using ops::upload_weights;
namespace device = ops::device;

namespace {

struct NaiveFffArgs {
  const float* x;
  const float* b_in;
  float* y;
  int32_t* leaves;  // may be null
  int64_t hidden;
  int64_t trees;
  int64_t nodes_per_tree;
  int depth;
};

template <typename W>
__global__ void __launch_bounds__(device::kNaiveThreads)
    naive_fff_kernel(NaiveFffArgs args, const W* w_in, const W* w_out) {
  __shared__ float scratch[device::kWarpSize];
  const int64_t token = blockIdx.x;
  const int64_t neurons = args.trees * args.nodes_per_tree;
  const float* x = args.x + token * args.hidden;
  float* y = args.y + token * args.hidden;
  for (int64_t h = threadIdx.x; h < args.hidden; h += blockDim.x) y[h] = 0.0f;
  for (int64_t tree = 0; tree < args.trees; ++tree) {
    int64_t node = 0;
    for (int level = 0; level <= args.depth; ++level) {
      const int64_t neuron = tree * args.nodes_per_tree + node;
      const float logit = device::naive_neuron(x, w_in + neuron * args.hidden, args.b_in[neuron],
                                               w_out + neuron, neurons, args.hidden, y, scratch);
      if (level < args.depth) node = device::child(node, logit);
    }
    if (args.leaves && threadIdx.x == 0) {
      args.leaves[token * args.trees + tree] = static_cast<int32_t>(node);
    }
  }
}

template <typename W>
class NaiveFffCuda final : public FffKernel {
 public:
  NaiveFffCuda(const FffWeights& weights, const Device& device)
      : FffKernel(weights.shape, device),
        w_in_(upload_weights<W>(weights.w_in)),
        b_in_(weights.b_in),
        w_out_(upload_weights<W>(weights.w_out)) {}

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    cuda::make_current(device().index);
    int32_t* leaves = record.leaves;
    const cudaStream_t stream = cuda::current_stream();
    const FffShape& s = shape();
    const NaiveFffArgs args{x, b_in_.data(), y, leaves, s.hidden, s.trees, s.nodes_per_tree(), s.depth};
    naive_fff_kernel<W><<<static_cast<unsigned>(batch), device::kNaiveThreads, 0, stream>>>(
        args, w_in_.data(), w_out_.data());
    UFB_CUDA_CHECK_LAUNCH("naive_fff_kernel");
  }

  cuda::DeviceBuffer<W> w_in_;
  cuda::DeviceBuffer<float> b_in_;
  cuda::DeviceBuffer<W> w_out_;
};

}  // namespace

std::unique_ptr<FffKernel> make_naive_fff_cuda(const FffWeights& weights, WeightType weight_type, const Device& device) {
  return make_for_weight_type<FffKernel, NaiveFffCuda>(weight_type, weights, device);
}

}  // namespace ufb::bench

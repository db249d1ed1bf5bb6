// The dense twin of cuda_naive: one thread block per token visits every neuron with the same
// per-neuron step, so naive FFF against naive dense isolates what conditional execution saves.
#include "cuda/cuda_check.h"
#include "ufb/cuda/device.h"
#include "cuda/baselines/cuda_baselines.h"
#include "cuda/baselines/naive_neuron.cuh"
#include "cuda/weight_upload.h"

namespace ufb::bench {

using ops::DenseFfKernel;
using ops::DenseFfWeights;
using ops::WeightType;
using ops::make_for_weight_type;
using ops::upload_weights;
namespace device = ops::device;

namespace {

template <typename W>
__global__ void __launch_bounds__(device::kNaiveThreads)
    naive_dense_ff_kernel(const float* x, const W* w_in, const float* b_in, const W* w_out, const float* b_out,
                          int64_t hidden, int64_t width, float* y) {
  __shared__ float scratch[device::kWarpSize];
  const int64_t token = blockIdx.x;
  x += token * hidden;
  y += token * hidden;
  for (int64_t h = threadIdx.x; h < hidden; h += blockDim.x) y[h] = b_out ? b_out[h] : 0.0f;
  for (int64_t neuron = 0; neuron < width; ++neuron) {
    device::naive_neuron(x, w_in + neuron * hidden, b_in ? b_in[neuron] : 0.0f, w_out + neuron, width, hidden, y,
                         scratch);
  }
}

template <typename W>
class NaiveDenseFfCuda final : public DenseFfKernel {
 public:
  NaiveDenseFfCuda(const DenseFfWeights& weights, const Device& device)
      : DenseFfKernel(weights.shape, device),
        w_in_(upload_weights<W>(weights.w_in)),
        b_in_(weights.b_in),
        w_out_(upload_weights<W>(weights.w_out)),
        b_out_(weights.b_out) {}

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    cuda::make_current(device().index);
    const cudaStream_t stream = cuda::current_stream();
    naive_dense_ff_kernel<W><<<static_cast<unsigned>(batch), device::kNaiveThreads, 0, stream>>>(
        x, w_in_.data(), b_in_.size() ? b_in_.data() : nullptr, w_out_.data(),
        b_out_.size() ? b_out_.data() : nullptr, shape().hidden, shape().width, y);
    UFB_CUDA_CHECK_LAUNCH("naive_dense_ff_kernel");
  }

  cuda::DeviceBuffer<W> w_in_;
  cuda::DeviceBuffer<float> b_in_;
  cuda::DeviceBuffer<W> w_out_;
  cuda::DeviceBuffer<float> b_out_;
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_naive_dense_ff_cuda(const DenseFfWeights& weights, WeightType weight_type,
                                                       const Device& device) {
  return make_for_weight_type<DenseFfKernel, NaiveDenseFfCuda>(weight_type, weights, device);
}

}  // namespace ufb::bench

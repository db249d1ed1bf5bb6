// cublas_sgemm: the dense FF as two cuBLAS SGEMMs over the batch, full float32 (TF32 off), with
// the exact bias + GELU as a separate kernel in between.
#include "cuda/cublas_handles.h"
#include "cuda/dense_padding.h"
#include "cuda/dense_ff_cuda_variants.h"
#include "cuda/elementwise.h"
#include "ufb/cuda/device_buffer.h"

namespace ufb::ops {
namespace {

class CublasDenseFfCuda final : public DenseFfCudaKernel {
 public:
  explicit CublasDenseFfCuda(const DenseFfWeights& weights)
      : CublasDenseFfCuda(weights, pad_width(weights, kWidthMultiple)) {}

 private:
  static constexpr int64_t kWidthMultiple = 8;

  CublasDenseFfCuda(const DenseFfWeights& weights, const PaddedDenseWeights& padded)
      : DenseFfCudaKernel(weights.shape, WeightType::f32),
        width_(padded.width),
        w_in_(std::span<const float>(padded.w_in)),
        b_in_(std::span<const float>(padded.b_in)),
        w_out_(std::span<const float>(padded.w_out)),
        b_out_(weights.b_out) {}


  void run(const float* x, int64_t batch, float* y, CUstream_st* stream) const override {
    const int hidden = static_cast<int>(shape().hidden);
    const int width = static_cast<int>(width_);
    const int tokens = static_cast<int>(batch);
    activations_.reserve(batch * width_);
    const float one = 1.0f;
    const float zero = 0.0f;
    UFB_CUDA_CHECK(cublasSetStream(cublas_.get(), stream));
    // Column-major view: activations[width, batch] = W_in^T-stored [hidden, width]^T · x[hidden, batch].
    UFB_CUDA_CHECK(cublasSgemm(cublas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, width, tokens, hidden, &one, w_in_.data(),
                               hidden, x, hidden, &zero, activations_.data(), width));
    bias_gelu_inplace(activations_.data(), batch, width_, b_in_.size() ? b_in_.data() : nullptr, stream);
    float beta = 0.0f;
    if (b_out_.size()) {
      broadcast_rows(b_out_.data(), batch, shape().hidden, y, stream);
      beta = 1.0f;
    }
    UFB_CUDA_CHECK(cublasSgemm(cublas_.get(), CUBLAS_OP_T, CUBLAS_OP_N, hidden, tokens, width, &one, w_out_.data(),
                               width, activations_.data(), width, &beta, y, hidden));
  }

  int64_t width_;  // padded
  cuda::DeviceBuffer<float> w_in_;
  cuda::DeviceBuffer<float> b_in_;
  cuda::DeviceBuffer<float> w_out_;
  cuda::DeviceBuffer<float> b_out_;
  cuda::CublasHandle cublas_;
  mutable cuda::DeviceBuffer<float> activations_;  // [batch, padded width], grown to the largest batch
};

}  // namespace

std::unique_ptr<DenseFfCudaKernel> make_cublas_dense_ff_cuda(const DenseFfWeights& weights) {
  return std::make_unique<CublasDenseFfCuda>(weights);
}

}  // namespace ufb::ops

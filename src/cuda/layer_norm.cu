#include "cuda/layer_norm.h"

#include "cuda/cuda_check.h"
#include "cuda/device_math.cuh"

namespace ufb::cuda {
namespace {

constexpr int kRowsPerBlock = 8;  // one warp per row

// Two passes over the row (mean, then the squared deviations), as the CPU's LayerNorm: no
// cancellation in E[x²] − E[x]². Each lane writes only the elements it read, after the row's
// sums, so x and y may alias.
__global__ void layer_norm_kernel(const float* x, int64_t rows, int64_t width, const float* weight,
                                  const float* bias, float eps, float* y) {
  const int64_t row = int64_t{blockIdx.x} * kRowsPerBlock + threadIdx.x / ops::device::kWarpSize;
  if (row >= rows) return;
  const int lane = static_cast<int>(threadIdx.x % ops::device::kWarpSize);
  const float* in = x + row * width;
  float* out = y + row * width;
  float sum = 0.0f;
  for (int64_t i = lane; i < width; i += ops::device::kWarpSize) sum += in[i];
  const float mean = ops::device::warp_sum(sum) / static_cast<float>(width);
  float squares = 0.0f;
  for (int64_t i = lane; i < width; i += ops::device::kWarpSize) {
    const float deviation = in[i] - mean;
    squares += deviation * deviation;
  }
  const float variance = ops::device::warp_sum(squares) / static_cast<float>(width);
  const float inverse_std = 1.0f / sqrtf(variance + eps);
  for (int64_t i = lane; i < width; i += ops::device::kWarpSize) {
    out[i] = (in[i] - mean) * inverse_std * weight[i] + (bias ? bias[i] : 0.0f);
  }
}

}  // namespace

void layer_norm(const float* x, int64_t rows, int64_t width, const float* weight, const float* bias,
                double eps, float* y, cudaStream_t stream) {
  if (rows == 0) return;
  const auto blocks = static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock);
  layer_norm_kernel<<<blocks, kRowsPerBlock * ops::device::kWarpSize, 0, stream>>>(
      x, rows, width, weight, bias, static_cast<float>(eps), y);
  UFB_CUDA_CHECK_LAUNCH("layer_norm_kernel");
}

}  // namespace ufb::cuda

#include "cuda/elementwise.h"

#include <algorithm>

#include <cuda_bf16.h>

#include "cuda/cuda_check.h"
#include "cuda/device_math.cuh"

namespace ufb::ops {
namespace {

constexpr int kThreads = 256;

unsigned grid_for(int64_t count) {
  // A grid-stride loop covers the rest; 2^20 blocks keep every SM busy.
  return static_cast<unsigned>(std::min<int64_t>((count + kThreads - 1) / kThreads, int64_t{1} << 20));
}

__device__ __forceinline__ float load_value(const float* p) { return *p; }
__device__ __forceinline__ float load_value(const uint16_t* p) { return device::widen(*p); }
__device__ __forceinline__ void store_value(float* p, float v) { *p = v; }
__device__ __forceinline__ void store_value(uint16_t* p, float v) {
  *p = __bfloat16_as_ushort(__float2bfloat16_rn(v));
}

template <typename T>
__global__ void bias_gelu_kernel(T* values, int64_t count, int64_t cols, const float* bias) {
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    const float v = load_value(values + i) + (bias ? bias[i % cols] : 0.0f);
    store_value(values + i, device::gelu(v));
  }
}

__global__ void convert_to_bf16_kernel(const float* in, int64_t count, uint16_t* out) {
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    store_value(out + i, in[i]);
  }
}

__global__ void broadcast_rows_kernel(const float* row, int64_t count, int64_t cols, float* out) {
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] = row[i % cols];
  }
}

__global__ void add_to_rows_kernel(const float* row, int64_t count, int64_t cols, float* out) {
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    out[i] += row[i % cols];
  }
}

__global__ void add_kernel(float* x, const float* update, int64_t count) {
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    x[i] += update[i];
  }
}

__global__ void activate_kernel(float* values, int64_t count, Activation activation) {
  for (int64_t i = int64_t{blockIdx.x} * blockDim.x + threadIdx.x; i < count; i += int64_t{gridDim.x} * blockDim.x) {
    const float x = values[i];
    switch (activation) {
      case Activation::gelu_erf: values[i] = device::gelu(x); break;
      case Activation::gelu_tanh: {
        const float inner = 0.7978845608028654f * (x + 0.044715f * x * x * x);
        values[i] = 0.5f * x * (1.0f + tanhf(inner));
        break;
      }
      case Activation::relu: values[i] = x > 0.0f ? x : 0.0f; break;
    }
  }
}

template <typename T>
void launch_bias_gelu(T* values, int64_t rows, int64_t cols, const float* bias, cudaStream_t stream) {
  const int64_t count = rows * cols;
  if (count == 0) return;
  bias_gelu_kernel<<<grid_for(count), kThreads, 0, stream>>>(values, count, cols, bias);
  UFB_CUDA_CHECK_LAUNCH("bias_gelu_kernel");
}

}  // namespace

void bias_gelu_inplace(float* values, int64_t rows, int64_t cols, const float* bias, cudaStream_t stream) {
  launch_bias_gelu(values, rows, cols, bias, stream);
}

void bias_gelu_inplace(uint16_t* values, int64_t rows, int64_t cols, const float* bias, cudaStream_t stream) {
  launch_bias_gelu(values, rows, cols, bias, stream);
}

void convert_to_bf16(const float* in, int64_t count, uint16_t* out, cudaStream_t stream) {
  if (count == 0) return;
  convert_to_bf16_kernel<<<grid_for(count), kThreads, 0, stream>>>(in, count, out);
  UFB_CUDA_CHECK_LAUNCH("convert_to_bf16_kernel");
}

void broadcast_rows(const float* row, int64_t rows, int64_t cols, float* out, cudaStream_t stream) {
  const int64_t count = rows * cols;
  if (count == 0) return;
  broadcast_rows_kernel<<<grid_for(count), kThreads, 0, stream>>>(row, count, cols, out);
  UFB_CUDA_CHECK_LAUNCH("broadcast_rows_kernel");
}

void add_to_rows(const float* row, int64_t rows, int64_t cols, float* out, cudaStream_t stream) {
  const int64_t count = rows * cols;
  if (count == 0) return;
  add_to_rows_kernel<<<grid_for(count), kThreads, 0, stream>>>(row, count, cols, out);
  UFB_CUDA_CHECK_LAUNCH("add_to_rows_kernel");
}

void add_inplace(float* x, const float* update, int64_t count, cudaStream_t stream) {
  if (count == 0) return;
  add_kernel<<<grid_for(count), kThreads, 0, stream>>>(x, update, count);
  UFB_CUDA_CHECK_LAUNCH("add_kernel");
}

void activate_inplace(float* values, int64_t count, Activation activation, cudaStream_t stream) {
  if (count == 0) return;
  activate_kernel<<<grid_for(count), kThreads, 0, stream>>>(values, count, activation);
  UFB_CUDA_CHECK_LAUNCH("activate_kernel");
}

}  // namespace ufb::ops

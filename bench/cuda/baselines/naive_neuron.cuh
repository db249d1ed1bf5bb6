#pragma once

// The step both naive kernels (FFF and dense) repeat: one neuron of one token, computed by a
// whole thread block. Weights in the checkpoint layout: the neuron's W_in row is contiguous,
// its W_out column is strided by the neuron count. This is the plain "native CUDA" form.

#include <cstdint>

#include "cuda/device_math.cuh"

namespace ufb::ops::device {

constexpr int kNaiveThreads = 256;

// logit = x · in_row + bias; y[h] += GELU(logit) · out_column[h · out_stride] for every h.
// Thread t owns y[t], y[t + blockDim], ..., so the updates need no atomics. Every thread
// returns the same logit bits.
template <typename W>
__device__ __forceinline__ float naive_neuron(const float* x, const W* in_row, float bias,
                                              const W* out_column, int64_t out_stride,
                                              int64_t hidden, float* y, float* scratch) {
  float partial = 0.0f;
  for (int64_t h = threadIdx.x; h < hidden; h += blockDim.x) partial += x[h] * widen(in_row[h]);
  const float logit = block_sum(partial, scratch) + bias;
  const float activation = gelu(logit);
  for (int64_t h = threadIdx.x; h < hidden; h += blockDim.x) {
    y[h] += activation * widen(out_column[h * out_stride]);
  }
  return logit;
}

}  // namespace ufb::ops::device

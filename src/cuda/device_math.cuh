#pragma once

// Device-side helpers shared by the CUDA kernels. Weights are float or bf16 (stored as the
// uint16_t bit pattern); both are widened to float as they are read.

#include <cstdint>

namespace ufb::ops::device {

constexpr int kWarpSize = 32;

// The exact GELU of docs/model.md §1 (CUDA's erff: at most 2 ulp of error).
__device__ __forceinline__ float gelu(float x) {
  return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f));
}

// The routing rule of docs/model.md §1: strictly positive goes right (2n+2), zero or less left.
__device__ __forceinline__ int64_t child(int64_t node, float logit) {
  return logit > 0.0f ? 2 * node + 2 : 2 * node + 1;
}

__device__ __forceinline__ float widen(float value) { return value; }
__device__ __forceinline__ float widen(uint16_t bf16_bits) {
  return __uint_as_float(static_cast<uint32_t>(bf16_bits) << 16);
}

// Four consecutive weights from a 16-byte (float) or 8-byte (bf16) aligned address.
__device__ __forceinline__ float4 load4(const float* p) {
  return __ldg(reinterpret_cast<const float4*>(p));
}
__device__ __forceinline__ float4 load4(const uint16_t* p) {
  const uint2 bits = __ldg(reinterpret_cast<const uint2*>(p));
  return make_float4(__uint_as_float(bits.x << 16), __uint_as_float(bits.x & 0xffff0000u),
                     __uint_as_float(bits.y << 16), __uint_as_float(bits.y & 0xffff0000u));
}

// Sum over the warp, the same bits in every lane (a butterfly adds the same pairs everywhere),
// so every lane takes the same branch on it.
__device__ __forceinline__ float warp_sum(float value) {
  for (int offset = kWarpSize / 2; offset > 0; offset /= 2) {
    value += __shfl_xor_sync(0xffffffffu, value, offset);
  }
  return value;
}

// Sum over the thread block, the same bits in every thread. `scratch` is 32 floats of shared
// memory; the call ends with a barrier so the next call may reuse it.
__device__ __forceinline__ float block_sum(float value, float* scratch) {
  const int warp = static_cast<int>(threadIdx.x) / kWarpSize;
  const int warps = (static_cast<int>(blockDim.x) + kWarpSize - 1) / kWarpSize;
  value = warp_sum(value);
  if (threadIdx.x % kWarpSize == 0) scratch[warp] = value;
  __syncthreads();
  float total = 0.0f;
  for (int w = 0; w < warps; ++w) total += scratch[w];
  __syncthreads();
  return total;
}

}  // namespace ufb::ops::device

#pragma once

// A linear layer on the GPU: ops::PreparedLinear's function (y = x · W^T + b, overwritten or
// added to y) with the weights uploaded once, in float32 or bf16. Activations and sums are
// float32; bf16 rounds x to bf16 first, as the CPU's bf16 path does. Full float32 arithmetic
// in f32 (no TF32), so that the GPU's f32 model matches the CPU's.

#include <cstdint>

#include <cublas_v2.h>

#include "ops/linear.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/ops/weight_type.h"

namespace ufb::cuda {

class Linear {
 public:
  // f32 or bf16; throws ufb::Error for other precisions or weights that do not fit their shape.
  Linear(const ops::LinearWeights<float>& weights, ops::WeightType precision);

  // x [rows, in_features] → y [rows, out_features], device arrays, queued on the handle's
  // stream. `bf16_input` is scratch for bf16 layers (grown as needed); one call at a time.
  void forward(cublasHandle_t handle, const float* x, int64_t rows, float* y, ops::LinearOutput output,
               DeviceBuffer<uint16_t>& bf16_input) const;

  int64_t held_bytes() const;

 private:
  int64_t in_features_;
  int64_t out_features_;
  bool bf16_;
  DeviceBuffer<float> weight_f32_;   // [out, in], f32 layers
  DeviceBuffer<uint16_t> weight_bf16_;  // [out, in], bf16 layers
  DeviceBuffer<float> bias_;         // empty: none
};

}  // namespace ufb::cuda

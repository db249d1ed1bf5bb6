#pragma once

// A linear layer on the GPU: ops::PreparedLinear on a GPU (y = x · W^T + b, overwritten or added
// to y) with the weights uploaded once, in float32 or bf16. Activations and sums are float32;
// bf16 rounds x to bf16 first, as the CPU's bf16 path does. Full float32 arithmetic in f32 (no
// TF32), so that the GPU's f32 model matches the CPU's.

#include <cstdint>

#include "ops/linear.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/device.h"
#include "ufb/ops/weight_type.h"

namespace ufb::cuda {

class Linear final : public ops::PreparedLinear {
 public:
  // f32 or bf16; throws ufb::Error for other precisions or weights that do not fit their shape.
  // `device` must be current.
  Linear(const ops::LinearWeights<float>& weights, ops::LinearOutput output, ops::WeightType precision,
         const Device& device);

  int64_t held_bytes() const override;

 private:
  void run(const float* x, int64_t rows, float* y) const override;

  bool accumulate_;
  bool bf16_;
  DeviceBuffer<float> weight_f32_;      // [out, in], f32 layers
  DeviceBuffer<uint16_t> weight_bf16_;  // [out, in], bf16 layers
  DeviceBuffer<float> bias_;            // empty: none
};

}  // namespace ufb::cuda

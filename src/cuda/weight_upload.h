#pragma once

// Host-side conversion of float32 checkpoint weights to a kernel's device weight type
// (float, or bf16 bits as uint16_t) and upload.

#include <cstdint>
#include <memory>
#include <span>
#include <type_traits>
#include <vector>

#include "ufb/cuda/device_buffer.h"
#include "ufb/ops/weight_type.h"

namespace ufb::ops {

template <typename W>
W to_device_weight(float value) {
  if constexpr (std::is_same_v<W, float>) {
    return value;
  } else {
    static_assert(std::is_same_v<W, uint16_t>, "weights are float or bf16 bits");
    return to_bf16_bits(value);
  }
}

template <typename W>
cuda::DeviceBuffer<W> upload_weights(std::span<const float> values) {
  std::vector<W> converted(values.size());
  for (size_t i = 0; i < values.size(); ++i) converted[i] = to_device_weight<W>(values[i]);
  return cuda::DeviceBuffer<W>(std::span<const W>(converted));
}

// values [rows, cols] row-major → device [cols, rows] row-major.
template <typename W>
cuda::DeviceBuffer<W> upload_transposed(std::span<const float> values, int64_t rows, int64_t cols) {
  std::vector<W> converted(values.size());
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) converted[c * rows + r] = to_device_weight<W>(values[r * cols + c]);
  }
  return cuda::DeviceBuffer<W>(std::span<const W>(converted));
}

// Kernel<float> or Kernel<uint16_t> (bf16 bits), as `weight_type` asks, as a Base.
template <typename Base, template <typename> class Kernel, typename... Args>
std::unique_ptr<Base> make_for_weight_type(WeightType weight_type, const Args&... args) {
  if (weight_type == WeightType::bf16) return std::make_unique<Kernel<uint16_t>>(args...);
  return std::make_unique<Kernel<float>>(args...);
}

}  // namespace ufb::ops

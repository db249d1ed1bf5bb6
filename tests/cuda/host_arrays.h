#pragma once

// Runs a kernel made for a GPU on host arrays, as the tests compare them: copies the inputs to
// the device, calls forward with device arrays of the same sizes (so size errors are the
// kernel's own), waits and copies the outputs back.

#include <cstdint>
#include <span>

#include "ufb/cuda/device.h"
#include "ufb/cuda/device_buffer.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"

namespace ufb::testing_cuda {

inline void forward_from_host(const ops::FffKernel& kernel, std::span<const float> x, int64_t batch,
                              std::span<float> y, std::span<int32_t> leaves = {}) {
  const cuda::DeviceBuffer<float> x_device(x);
  cuda::DeviceBuffer<float> y_device(y.size());
  cuda::DeviceBuffer<int32_t> leaves_device(leaves.size());
  kernel.forward({x_device.data(), x.size()}, batch, {y_device.data(), y.size()},
                 {leaves_device.data(), leaves.size()});
  cuda::synchronize();
  y_device.download(y);
  leaves_device.download(leaves);
}

inline void forward_from_host(const ops::DenseFfKernel& kernel, std::span<const float> x, int64_t batch,
                              std::span<float> y) {
  const cuda::DeviceBuffer<float> x_device(x);
  cuda::DeviceBuffer<float> y_device(y.size());
  kernel.forward({x_device.data(), x.size()}, batch, {y_device.data(), y.size()});
  cuda::synchronize();
  y_device.download(y);
}

}  // namespace ufb::testing_cuda

#pragma once

// Float activations in device memory for the shared encoder forward pass (its Kernels::Buffer),
// drawn from a pool that keeps freed blocks for the next pass: the pass makes the same few
// buffers every time, and cudaMalloc/cudaFree would each wait for the GPU.

#include <cstddef>
#include <span>
#include <vector>

#include "ufb/cuda/device_buffer.h"

namespace ufb::cuda {

// Not thread-safe: one forward pass at a time (the encoder holds a lock around it).
class ActivationPool {
 public:
  // A block of at least `bytes`: the smallest free one that fits, else a new one.
  DeviceMemory take(size_t bytes);
  void give_back(DeviceMemory memory);

 private:
  std::vector<DeviceMemory> free_;
};

class ActivationBuffer {
 public:
  ActivationBuffer() = default;
  ActivationBuffer(ActivationPool& pool, size_t size);
  ~ActivationBuffer();
  // A copy on the device (device to device, queued on the default stream).
  ActivationBuffer(const ActivationBuffer& other);
  ActivationBuffer& operator=(const ActivationBuffer& other);
  ActivationBuffer(ActivationBuffer&& other) noexcept;
  ActivationBuffer& operator=(ActivationBuffer&& other) noexcept;

  size_t size() const { return size_; }
  float* data() const { return static_cast<float*>(memory_.get()); }
  // Contents are lost when the size changes.
  void resize(size_t size);

  // Views of device memory, for kernels that take device pointers as spans.
  operator std::span<float>() const { return {data(), size_}; }
  operator std::span<const float>() const { return {data(), size_}; }

 private:
  void release();

  ActivationPool* pool_ = nullptr;
  DeviceMemory memory_;
  size_t size_ = 0;
};

}  // namespace ufb::cuda

#pragma once

// Device memory blocks kept for reuse: a forward pass makes the same few activation buffers
// every time, and cudaMalloc/cudaFree would each wait for the GPU.

#include <cstddef>
#include <memory>
#include <vector>

#include "ufb/cuda/device_buffer.h"

namespace ufb::cuda {

// Not thread-safe (the encoder runs one pass at a time on a GPU); outlives every block it gave.
class MemoryPool {
 public:
  // At least `bytes` on the current device: the smallest free block that fits, else a new one.
  // The block returns to the pool when its last owner lets go.
  std::shared_ptr<void> take(size_t bytes);

 private:
  std::vector<DeviceMemory> free_;
};

}  // namespace ufb::cuda

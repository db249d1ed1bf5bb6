#include "cuda/memory_pool.h"

#include <utility>

namespace ufb::cuda {

std::shared_ptr<void> MemoryPool::take(size_t bytes) {
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->bytes() >= bytes && (best == free_.end() || it->bytes() < best->bytes())) best = it;
  }
  DeviceMemory memory;
  if (best == free_.end()) {
    memory = DeviceMemory(bytes);
  } else {
    memory = std::move(*best);
    free_.erase(best);
  }
  // The deleter holds the block (a shared_ptr's deleter must be copyable; DeviceMemory is not).
  auto block = std::make_shared<DeviceMemory>(std::move(memory));
  void* data = block->get();
  return {data, [this, block](void*) { free_.push_back(std::move(*block)); }};
}

}  // namespace ufb::cuda

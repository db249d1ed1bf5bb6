#include "cuda/activation_buffer.h"

#include <utility>

#include "cuda/cuda_check.h"
#include "ufb/error.h"

namespace ufb::cuda {

DeviceMemory ActivationPool::take(size_t bytes) {
  auto best = free_.end();
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    if (it->bytes() >= bytes && (best == free_.end() || it->bytes() < best->bytes())) best = it;
  }
  if (best == free_.end()) return DeviceMemory(bytes);
  DeviceMemory memory = std::move(*best);
  free_.erase(best);
  return memory;
}

void ActivationPool::give_back(DeviceMemory memory) {
  if (memory.get()) free_.push_back(std::move(memory));
}

ActivationBuffer::ActivationBuffer(ActivationPool& pool, size_t size)
    : pool_(&pool), memory_(pool.take(size * sizeof(float))), size_(size) {}

ActivationBuffer::~ActivationBuffer() { release(); }

// Keeps the pool: the buffer may be resized later.
void ActivationBuffer::release() {
  if (pool_) pool_->give_back(std::move(memory_));
  memory_ = DeviceMemory();
  size_ = 0;
}

ActivationBuffer::ActivationBuffer(const ActivationBuffer& other) : ActivationBuffer() { *this = other; }

ActivationBuffer& ActivationBuffer::operator=(const ActivationBuffer& other) {
  if (this == &other) return *this;
  if (!other.pool_) throw Error("copying an activation buffer that has no pool");
  if (pool_ != other.pool_) {
    release();
    pool_ = other.pool_;
  }
  resize(other.size_);
  UFB_CUDA_CHECK(cudaMemcpy(data(), other.data(), size_ * sizeof(float), cudaMemcpyDeviceToDevice));
  return *this;
}

ActivationBuffer::ActivationBuffer(ActivationBuffer&& other) noexcept
    : pool_(other.pool_), memory_(std::move(other.memory_)), size_(std::exchange(other.size_, 0)) {}

ActivationBuffer& ActivationBuffer::operator=(ActivationBuffer&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = other.pool_;
    memory_ = std::move(other.memory_);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

void ActivationBuffer::resize(size_t size) {
  if (size == size_) return;
  if (!pool_) throw Error("resizing an activation buffer that has no pool");
  release();
  memory_ = pool_->take(size * sizeof(float));
  size_ = size;
}

}  // namespace ufb::cuda

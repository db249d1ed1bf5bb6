#pragma once

// Device memory with RAII, for the optional CUDA backend (built with -DUFB_CUDA=ON).

#include <cstddef>
#include <span>
#include <string>

#include "ufb/error.h"

namespace ufb::cuda {

// Owns `bytes` of memory on the current CUDA device (cudaMalloc), freed on destruction.
// Throws ufb::Error when the allocation fails.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  explicit DeviceMemory(size_t bytes);
  ~DeviceMemory();
  DeviceMemory(DeviceMemory&& other) noexcept;
  DeviceMemory& operator=(DeviceMemory&& other) noexcept;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;

  void* get() const { return data_; }
  size_t bytes() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

// Synchronous copies between host and device memory; throw ufb::Error on a CUDA error.
void copy_to_device(void* device, const void* host, size_t bytes);
void copy_to_host(void* host, const void* device, size_t bytes);

// `count` values of T on the device (uninitialised).
template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t count) : memory_(count * sizeof(T)), count_(count) {}
  explicit DeviceBuffer(std::span<const T> host) : DeviceBuffer(host.size()) { upload(host); }

  T* data() const { return static_cast<T*>(memory_.get()); }
  size_t size() const { return count_; }

  // Grows to at least `count` values; the contents are lost when it grows.
  void reserve(size_t count) {
    if (count > count_) *this = DeviceBuffer(count);
  }

  void upload(std::span<const T> host) {
    check_size(host.size());
    copy_to_device(data(), host.data(), host.size() * sizeof(T));
  }
  void download(std::span<T> host) const {
    check_size(host.size());
    copy_to_host(host.data(), data(), host.size() * sizeof(T));
  }
  // The first host.size() values.
  void download_prefix(std::span<T> host) const {
    if (host.size() > count_) check_size(host.size());
    copy_to_host(host.data(), data(), host.size() * sizeof(T));
  }

 private:
  void check_size(size_t host_count) const {
    if (host_count != count_) {
      throw Error("device buffer holds " + std::to_string(count_) + " values, the host array " +
                  std::to_string(host_count));
    }
  }

  DeviceMemory memory_;
  size_t count_ = 0;
};

}  // namespace ufb::cuda

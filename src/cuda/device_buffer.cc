#include "ufb/cuda/device_buffer.h"

#include <utility>

#include "cuda/cuda_check.h"

namespace ufb::cuda {

DeviceMemory::DeviceMemory(size_t bytes) : bytes_(bytes) {
  if (bytes == 0) return;
  const cudaError_t status = cudaMalloc(&data_, bytes);
  if (status != cudaSuccess) {
    cudaGetLastError();  // reset the last-error state so the next launch check does not see it
    throw Error("cannot allocate " + std::to_string(bytes) + " bytes of GPU memory: " +
                cudaGetErrorString(status));
  }
}

DeviceMemory::~DeviceMemory() {
  if (data_) cudaFree(data_);  // an error here (a dead context) has nobody to report to
}

DeviceMemory::DeviceMemory(DeviceMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceMemory& DeviceMemory::operator=(DeviceMemory&& other) noexcept {
  if (this != &other) {
    if (data_) cudaFree(data_);
    data_ = std::exchange(other.data_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

void copy_to_device(void* device, const void* host, size_t bytes) {
  if (bytes == 0) return;
  UFB_CUDA_CHECK(cudaMemcpy(device, host, bytes, cudaMemcpyHostToDevice));
}

void copy_to_host(void* host, const void* device, size_t bytes) {
  if (bytes == 0) return;
  UFB_CUDA_CHECK(cudaMemcpy(host, device, bytes, cudaMemcpyDeviceToHost));
}

}  // namespace ufb::cuda

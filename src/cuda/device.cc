#include "ufb/cuda/device.h"

#include "cuda/cuda_check.h"
#include "ufb/error.h"

namespace ufb::cuda {

int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();
    return 0;
  }
  return count;
}

DeviceInfo current_device_info() {
  if (device_count() == 0) throw Error("no CUDA device found (is the NVIDIA driver loaded?)");
  int device = 0;
  UFB_CUDA_CHECK(cudaGetDevice(&device));
  cudaDeviceProp properties{};
  UFB_CUDA_CHECK(cudaGetDeviceProperties(&properties, device));
  DeviceInfo info;
  info.name = properties.name;
  info.compute_capability = properties.major * 10 + properties.minor;
  info.multiprocessors = properties.multiProcessorCount;
  info.l2_cache_bytes = properties.l2CacheSize;
  info.memory_bytes = static_cast<int64_t>(properties.totalGlobalMem);
  UFB_CUDA_CHECK(cudaRuntimeGetVersion(&info.runtime_version));
  UFB_CUDA_CHECK(cudaDriverGetVersion(&info.driver_version));
  return info;
}

void use_device(int index, const std::string& what) {
  const int count = device_count();
  if (count == 0) throw Error(what + ": no CUDA GPU found (is the NVIDIA driver loaded?)");
  if (index < 0 || index >= count) {
    throw Error(what + ": this machine has " + std::to_string(count) + " CUDA GPU" + (count == 1 ? "" : "s") +
                ", numbered from 0");
  }
  UFB_CUDA_CHECK(cudaSetDevice(index));
}

void make_current(int index) {
  int current = 0;
  UFB_CUDA_CHECK(cudaGetDevice(&current));
  if (current != index) UFB_CUDA_CHECK(cudaSetDevice(index));
}

namespace {
thread_local CUstream_st* thread_stream = nullptr;
}  // namespace

CUstream_st* current_stream() { return thread_stream; }

StreamScope::StreamScope(CUstream_st* stream) : previous_(thread_stream) { thread_stream = stream; }
StreamScope::~StreamScope() { thread_stream = previous_; }

void synchronize() { UFB_CUDA_CHECK(cudaDeviceSynchronize()); }

}  // namespace ufb::cuda

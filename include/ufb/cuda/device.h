#pragma once

// The CUDA GPUs the backend runs on. A kernel or model made for GPU N makes it the calling
// thread's current device on every call; current_device_info() and synchronize() below are of the
// current device.

#include <cstdint>
#include <string>

struct CUstream_st;  // cudaStream_t is CUstream_st*; this header needs no CUDA headers

namespace ufb::cuda {

// Number of CUDA devices; 0 when there is no driver or no GPU. Never throws.
int device_count();

struct DeviceInfo {
  std::string name;
  int compute_capability = 0;  // major·10 + minor, e.g. 90 for an H100
  int multiprocessors = 0;
  int64_t l2_cache_bytes = 0;
  int64_t memory_bytes = 0;
  int runtime_version = 0;  // CUDA runtime this program was built with, e.g. 13000
  int driver_version = 0;   // newest CUDA version the driver supports, e.g. 13000
};

DeviceInfo current_device_info();  // throws ufb::Error without a usable device

// Makes GPU `index` the calling thread's current device (the CUDA runtime keeps it per thread).
// Throws ufb::Error, naming `what` (e.g. "--device cuda:1"), when there is no such GPU.
void use_device(int index, const std::string& what);

// Makes GPU `index`, which a kernel was made on (so it exists), the calling thread's current
// device: the cheap check a kernel's every call makes.
void make_current(int index);

// The stream the calling thread's GPU kernels (ops::FffKernel, ops::DenseFfKernel and the rest
// made for a GPU) queue their work on: the legacy default stream (nullptr) unless a StreamScope
// names another, as the benchmark does to capture calls into a CUDA graph.
CUstream_st* current_stream();

class StreamScope {
 public:
  explicit StreamScope(CUstream_st* stream);
  ~StreamScope();
  StreamScope(const StreamScope&) = delete;
  StreamScope& operator=(const StreamScope&) = delete;

 private:
  CUstream_st* previous_;
};

// Waits for all queued device work; throws ufb::Error for an error it reports.
void synchronize();

}  // namespace ufb::cuda

#pragma once

// What the GPU's linear layers need beside their weights, per host thread and GPU: a cuBLAS
// handle (cuBLAS asks for one per thread and device) and scratch for the bf16-rounded inputs.
// Per thread, so that layers and encoders called from several threads never share scratch:
// every call queues on the stream its thread names, in order.

#include <cstdint>

#include "cuda/cublas_handles.h"
#include "ufb/cuda/device_buffer.h"

namespace ufb::cuda {

struct ThreadResources {
  CublasHandle cublas;
  DeviceBuffer<uint16_t> bf16_input;  // grown as needed
};

// The calling thread's resources on GPU `index`, made on first use; that GPU must be current.
ThreadResources& thread_resources(int index);

}  // namespace ufb::cuda

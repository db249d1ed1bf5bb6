#pragma once

// What the GPU's layers need beside their weights, per host thread and GPU: a cuBLAS handle
// (cuBLAS asks for one per thread and device) and scratch. Per thread, so that layers and
// encoders called from several threads never share scratch, while the layers of one thread
// share it: each call queues on the stream its thread names, in order, so the next call's use
// comes after the last one's. (A model's every dense layer with scratch of its own would hold
// rows × width floats each.)

#include <cstdint>

#include "cuda/cublas_handles.h"
#include "ufb/cuda/device_buffer.h"

namespace ufb::cuda {

struct ThreadResources {
  CublasHandle cublas;
  DeviceBuffer<uint16_t> bf16_input;      // linear layers' bf16-rounded inputs; grown as needed
  DeviceBuffer<float> dense_activations;  // a dense feedforward's [rows, width]; grown as needed
};

// The calling thread's resources on GPU `index`, made on first use; that GPU must be current.
ThreadResources& thread_resources(int index);

}  // namespace ufb::cuda

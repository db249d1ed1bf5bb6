#pragma once

// Small measurements of the GPU itself, made in the same run as the kernels so that the FFF
// kernel's time can be set against the memory hierarchy it runs on (docs/cuda.md).

#include <cuda_runtime.h>

#include "kernel_bench.h"
#include "ufb/cuda/device.h"

namespace ufb::bench {

// Read bandwidth from HBM (a buffer 20x the L2, or 1/8 of the memory if smaller), copy bandwidth
// (half that size into a second buffer: how x in and y out of a large batch move) and read
// bandwidth from L2 (a buffer of a quarter of the L2, read repeatedly, L1 bypassed), the latency of a dependent load
// that hits L2 (a random pointer chase through that buffer), and the time of an empty kernel
// launched from a graph and from the host.
GpuProbes measure_gpu_probes(const cuda::DeviceInfo& device, cudaStream_t stream);

}  // namespace ufb::bench

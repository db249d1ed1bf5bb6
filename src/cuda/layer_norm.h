#pragma once

// LayerNorm on the GPU: ops::layer_norm's function (docs/model.md §2.2) on device arrays.

#include <cstdint>

#include <cuda_runtime.h>

namespace ufb::cuda {

// y = (x − mean) / sqrt(var + eps) · weight + bias for each row of x [rows, width] (biased
// variance; bias may be null). x and y may be the same array. Queued on `stream`.
void layer_norm(const float* x, int64_t rows, int64_t width, const float* weight, const float* bias,
                double eps, float* y, cudaStream_t stream);

}  // namespace ufb::cuda

#pragma once

// Element-wise kernels of the dense baselines and the encoder, queued on a stream.

#include <cstdint>

#include <cuda_runtime.h>

#include "ufb/ops/activation.h"

namespace ufb::ops {

// values[r, c] = GELU(values[r, c] + bias[c]) (exact erf GELU) over [rows, cols]; bias may be
// null. Float values, or bf16 bits (computed in float, rounded to nearest even).
void bias_gelu_inplace(float* values, int64_t rows, int64_t cols, const float* bias, cudaStream_t stream);
void bias_gelu_inplace(uint16_t* values, int64_t rows, int64_t cols, const float* bias, cudaStream_t stream);

// out[i] = bf16(in[i]), rounded to nearest even.
void convert_to_bf16(const float* in, int64_t count, uint16_t* out, cudaStream_t stream);

// out[r, :] = row for every r < rows.
void broadcast_rows(const float* row, int64_t rows, int64_t cols, float* out, cudaStream_t stream);

// out[r, :] += row for every r < rows.
void add_to_rows(const float* row, int64_t rows, int64_t cols, float* out, cudaStream_t stream);

// x[i] += update[i] for i < count.
void add_inplace(float* x, const float* update, int64_t count, cudaStream_t stream);

// values[i] = activate(activation, values[i]) for i < count (ops::activate's functions).
void activate_inplace(float* values, int64_t count, Activation activation, cudaStream_t stream);

}  // namespace ufb::ops

#pragma once

// Symmetric int8 quantization for the int8 matmul (onednn_matmul.h): a row's codes are
// round_to_nearest_even(v / scale) with scale = max|v| / 127 (1 for an all-zero row), and int32
// sums come back to float32 as sum · s_row · s_col (+ bias). SIMD through Highway; kernels that
// quantize inside their own loops include the bodies (int8_quantization-inl.h).

#include <cstdint>

namespace ufb::ops {

// Writes the codes of row[0, count) to out and returns the row's scale.
float quantize_row_int8(const float* row, int64_t count, int8_t* out);
// The same codes plus 128, as uint8 (1 … 255): x86's byte dot product (vpdpbusd) multiplies
// unsigned by signed bytes, and oneDNN's matmul with a signed source spends a fifth of its time
// shifting it. The int32 sums then carry 128 · Σ_k w[k, c]: dequantize_rows subtracts it.
float quantize_row_int8_shifted(const float* row, int64_t count, uint8_t* out);

// What dequantize_rows does besides scaling: each column's offset (the shift of shifted codes,
// 128 · Σ_k w[k, c]) subtracted from its sums, the bias added, or the sum added to dst. Null
// pointers are no offset and no bias.
struct Dequantization {
  const int32_t* col_offsets = nullptr;
  const float* bias = nullptr;
  bool accumulate = false;
};

// out[r, c] (=, or += with accumulate) (sums[r, c] − col_offsets[c]) · row_scales[r] ·
// col_scales[c] + bias[c] for rows × cols. `sums` holds rows × cols int32; without accumulate
// it may be out's own memory (the sums are then replaced by their values).
void dequantize_rows(const void* sums, int64_t rows, int64_t cols, const float* row_scales,
                     const float* col_scales, float* out, const Dequantization& how = {});

}  // namespace ufb::ops

#pragma once

// Symmetric int8 quantization for the int8 matmul (onednn_matmul.h): a row's codes are
// round_to_nearest_even(v / scale) with scale = max|v| / 127 (1 for an all-zero row), and int32
// sums come back to float32 as sum · s_row · s_col (+ bias). SIMD through Highway.

#include <cstdint>

namespace ufb::ops {

// Writes the codes of row[0, count) to out and returns the row's scale.
float quantize_row_int8(const float* row, int64_t count, int8_t* out);
// The same codes, widened to int16.
float quantize_row_int8(const float* row, int64_t count, int16_t* out);

// Codes of rows × cols values (row stride `stride`) into codes [rows, cols], one scale per row
// into scales[rows], each scale times `scale_factor`: quantize_row_int8 row after row.
void quantize_rows_int8(const float* values, int64_t rows, int64_t cols, int64_t stride, int8_t* codes,
                        float* scales, float scale_factor);

// out[r, c] (=, or += with accumulate) sums[r, c] · row_scales[r] · col_scales[c] + bias[c]
// (bias may be nullptr) for rows × cols.
void dequantize_rows(const int32_t* sums, int64_t rows, int64_t cols, const float* row_scales,
                     const float* col_scales, const float* bias, float* out, bool accumulate);
// One row of it, for callers already inside a parallel region.
void dequantize_row(const int32_t* sums, int64_t cols, float row_scale, const float* col_scales,
                    const float* bias, float* out, bool accumulate);

}  // namespace ufb::ops

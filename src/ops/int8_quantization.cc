#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/int8_quantization.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ops/int8_quantization-inl.h"
#include "ops/int8_quantization.h"
#include "ufb/error.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {

float QuantizeRow(const float* row, int64_t count, int8_t* out) { return QuantizeRowTo(row, count, out); }
float QuantizeRowShifted(const float* row, int64_t count, uint8_t* out) { return QuantizeRowTo(row, count, out); }

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(QuantizeRow);
HWY_EXPORT(QuantizeRowShifted);
HWY_EXPORT(DequantizeRow);

float quantize_row_int8(const float* row, int64_t count, int8_t* out) {
  return HWY_DYNAMIC_DISPATCH(QuantizeRow)(row, count, out);
}

float quantize_row_int8_shifted(const float* row, int64_t count, uint8_t* out) {
  return HWY_DYNAMIC_DISPATCH(QuantizeRowShifted)(row, count, out);
}

void dequantize_rows(const void* sums, int64_t rows, int64_t cols, const float* row_scales,
                     const float* col_scales, float* out, const Dequantization& how) {
  if (sums == out && how.accumulate) throw Error("dequantize_rows: sums in place of out cannot be added to out");
  const auto* sum_rows = static_cast<const int32_t*>(sums);
#pragma omp parallel for schedule(static) if (rows * cols > 65536)
  for (int64_t r = 0; r < rows; ++r) {
    HWY_DYNAMIC_DISPATCH(DequantizeRow)(sum_rows + r * cols, cols, row_scales[r], col_scales, how.col_offsets,
                                        how.bias, out + r * cols, how.accumulate);
  }
}

}  // namespace ufb::ops
#endif  // HWY_ONCE

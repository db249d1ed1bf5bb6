// SIMD bodies of the int8 quantization (int8_quantization.h), for every file that quantizes
// inside its own kernels: included once per Highway target, as hwy/contrib's -inl.h files are.
#if defined(UFB_OPS_INT8_QUANTIZATION_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef UFB_OPS_INT8_QUANTIZATION_INL_H_
#undef UFB_OPS_INT8_QUANTIZATION_INL_H_
#else
#define UFB_OPS_INT8_QUANTIZATION_INL_H_
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// The symmetric int8 codes of values · inverse (each lane's 1 / scale) as int32 lanes: rounded
// half to even, as std::nearbyint does in the default rounding mode, and clamped to ±127.
template <class D, class V>
HWY_INLINE hn::Vec<hn::Rebind<int32_t, D>> Int8Codes(D d, V values, V inverse) {
  const hn::Rebind<int32_t, D> d32;
  return hn::Min(hn::Max(hn::NearestInt(hn::Mul(values, inverse)), hn::Set(d32, -127)), hn::Set(d32, 127));
}

// The same for one value.
inline int32_t Int8Code(float value, float inverse) {
  return static_cast<int32_t>(std::clamp(std::nearbyint(value * inverse), -127.0f, 127.0f));
}

// The codes are written as int8, widened to int16 for kernels that multiply in int16, or
// shifted by 128 into uint8 for unsigned × signed byte products.
template <typename Code>
HWY_INLINE float QuantizeRowTo(const float* row, int64_t count, Code* out) {
  constexpr int32_t kShift = std::is_same_v<Code, uint8_t> ? 128 : 0;
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> d32;
  const hn::Rebind<Code, decltype(d)> d_code;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  // Four running maxima: one would chain every vector's max on the previous one's latency.
  auto largest0 = hn::Zero(d), largest1 = hn::Zero(d), largest2 = hn::Zero(d), largest3 = hn::Zero(d);
  int64_t i = 0;
  for (; i + 4 * lanes <= count; i += 4 * lanes) {
    largest0 = hn::Max(largest0, hn::Abs(hn::LoadU(d, row + i)));
    largest1 = hn::Max(largest1, hn::Abs(hn::LoadU(d, row + i + lanes)));
    largest2 = hn::Max(largest2, hn::Abs(hn::LoadU(d, row + i + 2 * lanes)));
    largest3 = hn::Max(largest3, hn::Abs(hn::LoadU(d, row + i + 3 * lanes)));
  }
  for (; i + lanes <= count; i += lanes) largest0 = hn::Max(largest0, hn::Abs(hn::LoadU(d, row + i)));
  const auto largest_vector = hn::Max(hn::Max(largest0, largest1), hn::Max(largest2, largest3));
  float largest = hn::GetLane(hn::MaxOfLanes(d, largest_vector));
  for (; i < count; ++i) largest = std::max(largest, std::abs(row[i]));
  const float scale = largest > 0.0f ? largest / 127.0f : 1.0f;
  const float inverse = 1.0f / scale;
  const auto inverse_vector = hn::Set(d, inverse);
  for (i = 0; i + lanes <= count; i += lanes) {
    const auto codes = Int8Codes(d, hn::LoadU(d, row + i), inverse_vector);
    hn::StoreU(hn::DemoteTo(d_code, hn::Add(codes, hn::Set(d32, kShift))), d_code, out + i);
  }
  for (; i < count; ++i) out[i] = static_cast<Code>(Int8Code(row[i], inverse) + kShift);
  return scale;
}

// One row of dequantize_rows: `sums` may be out's memory (each value is read before it is
// overwritten; the vector loads and the memcpy read it as int32 whatever wrote it).
inline void DequantizeRow(const int32_t* sums, int64_t cols, float row_scale, const float* col_scales,
                          const int32_t* col_offsets, const float* bias, float* out, bool accumulate) {
  const hn::ScalableTag<float> d;
  const hn::Rebind<int32_t, decltype(d)> d32;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const auto row_scale_vector = hn::Set(d, row_scale);
  int64_t c = 0;
  for (; c + lanes <= cols; c += lanes) {
    auto sum = hn::LoadU(d32, sums + c);
    if (col_offsets) sum = hn::Sub(sum, hn::LoadU(d32, col_offsets + c));
    auto value = hn::Mul(hn::ConvertTo(d, sum), hn::Mul(row_scale_vector, hn::LoadU(d, col_scales + c)));
    if (bias) value = hn::Add(value, hn::LoadU(d, bias + c));
    if (accumulate) value = hn::Add(value, hn::LoadU(d, out + c));
    hn::StoreU(value, d, out + c);
  }
  for (; c < cols; ++c) {
    int32_t sum;
    std::memcpy(&sum, sums + c, sizeof(sum));
    sum -= col_offsets ? col_offsets[c] : 0;
    const float value = static_cast<float>(sum) * (row_scale * col_scales[c]) + (bias ? bias[c] : 0.0f);
    out[c] = accumulate ? out[c] + value : value;
  }
}

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // UFB_OPS_INT8_QUANTIZATION_INL_H_

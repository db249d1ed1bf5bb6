// Vectorised softmax: attention runs one per query row (3 million per BERT-base sequence of
// 128 tokens), where scalar expf alone would cost tens of milliseconds. Highway's Exp is
// accurate to a few ulp and returns exactly 0 far below the largest value, as padding keys need.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/softmax.cc"
#include <algorithm>
#include <cmath>
#include <limits>

#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"
#include "ops/softmax.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class T>
HWY_INLINE double SoftmaxRow(T* values, int64_t count) {
  const hn::ScalableTag<T> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = count - count % lanes;
  // The last partial vector goes through a padded copy (a masked load may read past the row on
  // some targets); its padding lanes hold -inf, which neither raises the max nor adds to the sum.
  HWY_ALIGN T tail[HWY_MAX_BYTES / sizeof(T)];
  std::fill(tail, tail + lanes, -std::numeric_limits<T>::infinity());
  std::copy(values + full, values + count, tail);
  const auto tail_mask = hn::FirstN(d, static_cast<size_t>(count - full));

  auto max = hn::Load(d, tail);
  for (int64_t i = 0; i < full; i += lanes) max = hn::Max(max, hn::LoadU(d, values + i));
  max = hn::MaxOfLanes(d, max);
  // Partial sums of at most 32 vectors go into a double total, so that a row as long as a
  // vocabulary sums as accurately as a short one.
  constexpr int64_t kVectorsPerPartialSum = 32;
  double sum = 0.0;
  for (int64_t block = 0; block < full; block += kVectorsPerPartialSum * lanes) {
    const int64_t block_end = std::min(full, block + kVectorsPerPartialSum * lanes);
    auto partial = hn::Zero(d);
    for (int64_t i = block; i < block_end; i += lanes) {
      const auto e = hn::Exp(d, hn::Sub(hn::LoadU(d, values + i), max));
      partial = hn::Add(partial, e);
      hn::StoreU(e, d, values + i);
    }
    sum += hn::GetLane(hn::SumOfLanes(d, partial));
  }
  const auto tail_e = hn::IfThenElseZero(tail_mask, hn::Exp(d, hn::Sub(hn::Load(d, tail), max)));
  sum += hn::GetLane(hn::SumOfLanes(d, tail_e));
  hn::Store(tail_e, d, tail);
  std::copy(tail, tail + (count - full), values + full);

  const auto scale = static_cast<T>(1.0 / sum);
  const auto inverse_sum = hn::Set(d, scale);
  for (int64_t i = 0; i < full; i += lanes) {
    hn::StoreU(hn::Mul(hn::LoadU(d, values + i), inverse_sum), d, values + i);
  }
  for (int64_t i = full; i < count; ++i) values[i] *= scale;
  return static_cast<double>(hn::GetLane(max)) + std::log(sum);
}

double SoftmaxRowF32(float* values, int64_t count) { return SoftmaxRow(values, count); }
double SoftmaxRowF64(double* values, int64_t count) { return SoftmaxRow(values, count); }

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(SoftmaxRowF32);
HWY_EXPORT(SoftmaxRowF64);

double softmax_inplace(std::span<float> values) {
  if (values.empty()) return -std::numeric_limits<double>::infinity();
  return HWY_DYNAMIC_DISPATCH(SoftmaxRowF32)(values.data(), static_cast<int64_t>(values.size()));
}

double softmax_inplace(std::span<double> values) {
  if (values.empty()) return -std::numeric_limits<double>::infinity();
  return HWY_DYNAMIC_DISPATCH(SoftmaxRowF64)(values.data(), static_cast<int64_t>(values.size()));
}

}  // namespace ufb::ops
#endif  // HWY_ONCE

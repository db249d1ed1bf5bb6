// LayerNorm rows vectorised with Highway. Statistics are two-pass: float partial sums of at
// most 32 vectors go into double totals, which keeps them as accurate as double sums at any
// width while the arithmetic stays in vectors.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/layer_norm.cc"
#include <algorithm>
#include <cmath>
#include <string>

#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ufb/error.h"
#include "ufb/ops/layer_norm.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Σ term(x[i]) over the row, for a term given on vectors and on scalars (the tail).
template <class VectorTerm, class ScalarTerm>
HWY_INLINE double RowSum(const float* x, int64_t width, VectorTerm vector_term,
                         ScalarTerm scalar_term) {
  constexpr int64_t kVectorsPerPartialSum = 32;
  const hn::ScalableTag<float> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t full = width - width % lanes;
  double total = 0.0;
  for (int64_t block = 0; block < full; block += kVectorsPerPartialSum * lanes) {
    const int64_t block_end = std::min(full, block + kVectorsPerPartialSum * lanes);
    auto partial = hn::Zero(d);
    for (int64_t i = block; i < block_end; i += lanes) {
      partial = hn::Add(partial, vector_term(hn::LoadU(d, x + i)));
    }
    total += hn::GetLane(hn::SumOfLanes(d, partial));
  }
  for (int64_t i = full; i < width; ++i) total += scalar_term(x[i]);
  return total;
}

void LayerNormRow(const float* in, int64_t width, const float* weight, const float* bias,
                  double eps, float* out) {
  const hn::ScalableTag<float> d;
  const auto lanes = static_cast<int64_t>(hn::Lanes(d));
  const double sum = RowSum(
      in, width, [](auto v) { return v; }, [](float v) { return double{v}; });
  const auto mean = static_cast<float>(sum / static_cast<double>(width));
  const auto mean_v = hn::Set(d, mean);
  const double squares = RowSum(
      in, width,
      [&](auto v) {
        const auto centred = hn::Sub(v, mean_v);
        return hn::Mul(centred, centred);
      },
      [&](float v) { return double{v - mean} * (v - mean); });
  const auto inverse_std =
      static_cast<float>(1.0 / std::sqrt(squares / static_cast<double>(width) + eps));
  const auto inverse_std_v = hn::Set(d, inverse_std);
  int64_t i = 0;
  for (; i + lanes <= width; i += lanes) {
    const auto normed = hn::Mul(hn::Sub(hn::LoadU(d, in + i), mean_v), inverse_std_v);
    hn::StoreU(hn::MulAdd(normed, hn::LoadU(d, weight + i), hn::LoadU(d, bias + i)), d, out + i);
  }
  for (; i < width; ++i) out[i] = (in[i] - mean) * inverse_std * weight[i] + bias[i];
}

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(LayerNormRow);

void layer_norm(std::span<const float> x, int64_t rows, std::span<const float> weight,
                std::span<const float> bias, double eps, std::span<float> y) {
  const int64_t width = static_cast<int64_t>(weight.size());
  if (rows < 0 || width < 1 || static_cast<int64_t>(bias.size()) != width ||
      static_cast<int64_t>(x.size()) != rows * width || y.size() != x.size()) {
    throw Error("LayerNorm: " + std::to_string(x.size()) + " inputs, " +
                std::to_string(y.size()) + " outputs, weight " + std::to_string(weight.size()) +
                " and bias " + std::to_string(bias.size()) + " do not fit " +
                std::to_string(rows) + " rows");
  }
#pragma omp parallel for schedule(static) if (rows * width > 32768)
  for (int64_t r = 0; r < rows; ++r) {
    HWY_DYNAMIC_DISPATCH(LayerNormRow)(x.data() + r * width, width, weight.data(), bias.data(),
                                       eps, y.data() + r * width);
  }
}

}  // namespace ufb::ops
#endif  // HWY_ONCE

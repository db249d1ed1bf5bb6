// Vectorised exact-form GELU. erf uses Abramowitz & Stegun 7.1.26,
// erf(|x|) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·exp(−x²), t = 1/(1 + p·|x|),
// whose absolute error is below 1.5e-7: well inside float32 rounding of GELU's output.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/gelu.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "hwy/contrib/math/math-inl.h"
#include "ufb/ops/gelu.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class D>
HWY_INLINE hn::Vec<D> Gelu(D d, hn::Vec<D> x) {
  const auto z = hn::Mul(x, hn::Set(d, 0.70710678118654752f));  // erf argument x/√2
  const auto abs_z = hn::Abs(z);
  const auto t = hn::Div(hn::Set(d, 1.0f), hn::MulAdd(hn::Set(d, 0.3275911f), abs_z, hn::Set(d, 1.0f)));
  auto poly = hn::Set(d, 1.061405429f);
  poly = hn::MulAdd(poly, t, hn::Set(d, -1.453152027f));
  poly = hn::MulAdd(poly, t, hn::Set(d, 1.421413741f));
  poly = hn::MulAdd(poly, t, hn::Set(d, -0.284496736f));
  poly = hn::MulAdd(poly, t, hn::Set(d, 0.254829592f));
  const auto decay = hn::Exp(d, hn::Neg(hn::Mul(abs_z, abs_z)));
  const auto erf_abs = hn::NegMulAdd(hn::Mul(poly, t), decay, hn::Set(d, 1.0f));
  const auto erf = hn::CopySignToAbs(erf_abs, z);
  return hn::Mul(hn::Mul(hn::Set(d, 0.5f), x), hn::Add(hn::Set(d, 1.0f), erf));
}

void BiasGeluRow(float* values, int64_t cols, const float* bias) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  int64_t c = 0;
  for (; c + lanes <= cols; c += lanes) {
    auto v = hn::LoadU(d, values + c);
    if (bias) v = hn::Add(v, hn::LoadU(d, bias + c));
    hn::StoreU(Gelu(d, v), d, values + c);
  }
  for (; c < cols; ++c) values[c] = gelu(values[c] + (bias ? bias[c] : 0.0f));
}

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ufb::ops {

HWY_EXPORT(BiasGeluRow);

void bias_gelu_inplace(std::span<float> values, int64_t rows, int64_t cols,
                       std::span<const float> bias) {
  const float* bias_data = bias.empty() ? nullptr : bias.data();
#pragma omp parallel for schedule(static) if (rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    HWY_DYNAMIC_DISPATCH(BiasGeluRow)(values.data() + r * cols, cols, bias_data);
  }
}

}  // namespace ufb::ops
#endif  // HWY_ONCE

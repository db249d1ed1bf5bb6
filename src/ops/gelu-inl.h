// Vectorised exact-form GELU, for every file that applies it inside its own kernels: included
// once per Highway target, as hwy/contrib's -inl.h files are. erf uses Abramowitz & Stegun
// 7.1.26, erf(|x|) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·exp(−x²), t = 1/(1 + p·|x|),
// whose absolute error is below 1.5e-7: well inside float32 rounding of GELU's output.
#if defined(UFB_OPS_GELU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef UFB_OPS_GELU_INL_H_
#undef UFB_OPS_GELU_INL_H_
#else
#define UFB_OPS_GELU_INL_H_
#endif

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

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

}  // namespace ufb::ops::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // UFB_OPS_GELU_INL_H_

// Vectorised exact-form GELU over rows (ops/gelu-inl.h).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "ops/gelu.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"
#include "ops/gelu-inl.h"
#include "ufb/ops/gelu.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::ops::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

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

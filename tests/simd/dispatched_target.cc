// Which target HWY_DYNAMIC_DISPATCH picks now: the test that the forcing in forced_target.cc
// reaches the kernels' dispatch, rather than only Highway's list of supported targets.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/dispatched_target.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace ufb::test::HWY_NAMESPACE {

int64_t CompiledTarget() { return HWY_TARGET; }

}  // namespace ufb::test::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <gtest/gtest.h>

#include <cstdlib>

#include "simd/forced_target.h"

namespace ufb::test {

HWY_EXPORT(CompiledTarget);

std::string dispatched_simd_target_name() { return hwy::TargetName(HWY_DYNAMIC_DISPATCH(CompiledTarget)()); }

namespace {

TEST(SimdTarget, TheForcedTargetIsTheOneDispatched) {
  const char* forced = std::getenv("UFB_SIMD_TARGET");
  RecordProperty("simd_target", dispatched_simd_target_name());
  if (forced && *forced) {
    EXPECT_EQ(dispatched_simd_target_name(), forced);
  } else {
    EXPECT_EQ(HWY_DYNAMIC_DISPATCH(CompiledTarget)(), hwy::SupportedAndGeneratedTargets().front());
  }
}

}  // namespace
}  // namespace ufb::test
#endif  // HWY_ONCE

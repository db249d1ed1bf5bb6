// Forces the Highway target named by UFB_SIMD_TARGET before any test runs, so that a whole test
// program exercises the kernels of that target instead of only the CPU's best one. A target the
// CPU lacks skips every test with a message saying so (ctest then lists the tests as skipped),
// so a target that was never run is visible rather than silently missing.
#include "simd/forced_target.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "hwy/targets.h"

namespace ufb::test {
namespace {

int64_t compiled_target_named(const std::string& name) {
  for (int64_t targets = HWY_TARGETS; targets != 0; targets &= targets - 1) {
    const int64_t target = targets & -targets;
    if (name == hwy::TargetName(target)) return target;
  }
  return 0;
}

class ForcedSimdTarget : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* name = std::getenv("UFB_SIMD_TARGET");
    if (!name || !*name) {
      std::cout << "SIMD target: " << dispatched_simd_target_name() << " (this CPU's best; compiled in: "
                << compiled_simd_target_names() << ")\n";
      return;
    }
    const int64_t target = compiled_target_named(name);
    ASSERT_NE(target, 0) << "UFB_SIMD_TARGET=" << name << " is not compiled in (compiled in: "
                         << compiled_simd_target_names() << ")";
    if ((hwy::SupportedTargets() & target) == 0) {
      GTEST_SKIP() << "SIMD target " << name << " skipped: this CPU lacks it";
    }
    hwy::SetSupportedTargetsForTest(target);
    std::cout << "SIMD target: " << dispatched_simd_target_name() << " (forced by UFB_SIMD_TARGET)\n";
  }

  void TearDown() override { hwy::SetSupportedTargetsForTest(0); }
};

const ::testing::Environment* const registered = ::testing::AddGlobalTestEnvironment(new ForcedSimdTarget);

}  // namespace

std::string compiled_simd_target_names() {
  std::string names;
  for (int64_t targets = HWY_TARGETS; targets != 0; targets &= targets - 1) {
    names += std::string(names.empty() ? "" : " ") + hwy::TargetName(targets & -targets);
  }
  return names;
}

}  // namespace ufb::test

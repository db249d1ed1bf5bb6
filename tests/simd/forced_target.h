#pragma once

// The SIMD target a test program runs its Highway kernels on. ctest runs the ops tests once per
// target compiled in (tests/CMakeLists.txt), each time with UFB_SIMD_TARGET naming it; without
// it, HWY_DYNAMIC_DISPATCH picks the CPU's best as in production.

#include <cstdint>
#include <string>

namespace ufb::test {

// The Highway targets compiled into this program, best first, by Highway's names ("AVX3", "AVX2").
std::string compiled_simd_target_names();

// The target every HWY_DYNAMIC_DISPATCH of this process now picks, e.g. "AVX2".
std::string dispatched_simd_target_name();

}  // namespace ufb::test

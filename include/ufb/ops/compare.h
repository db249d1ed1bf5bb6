#pragma once

#include <span>

namespace ufb::ops {

// max |actual − expected| / max |expected|: a variant's error relative to the scale of the
// reference output. NaN anywhere in `actual` gives infinity.
double relative_error(std::span<const float> actual, std::span<const float> expected);

}  // namespace ufb::ops

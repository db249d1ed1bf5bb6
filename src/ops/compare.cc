#include "ufb/ops/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ufb::ops {

double relative_error(std::span<const float> actual, std::span<const float> expected) {
  double difference = 0.0;
  double scale = 1e-30;
  for (size_t i = 0; i < std::min(actual.size(), expected.size()); ++i) {
    const double d = std::abs(double{actual[i]} - double{expected[i]});
    if (std::isnan(d)) return std::numeric_limits<double>::infinity();
    difference = std::max(difference, d);
    scale = std::max(scale, std::abs(double{expected[i]}));
  }
  return difference / scale;
}

}  // namespace ufb::ops

#include "ufb/ops/softmax.h"

#include <algorithm>
#include <cmath>

namespace ufb::ops {

void softmax_inplace(std::span<float> values) {
  if (values.empty()) return;
  const float max = *std::max_element(values.begin(), values.end());
  double sum = 0.0;
  for (float& value : values) {
    value = std::exp(value - max);
    sum += value;
  }
  const float inverse_sum = static_cast<float>(1.0 / sum);
  for (float& value : values) value *= inverse_sum;
}

}  // namespace ufb::ops

#pragma once

#include <span>

namespace ufb::ops {

// values ← exp(values − max) / Σ exp(values − max), in place. An empty span is left as it is.
void softmax_inplace(std::span<float> values);

}  // namespace ufb::ops

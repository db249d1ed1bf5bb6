#pragma once

// The cuBLAS baselines pad the width (the GEMMs' inner dimension) to a multiple of 8 with zero
// neurons: GELU(0 + 0) = 0, so the function is unchanged, while an odd width such as 4095 makes
// every activation row misaligned for the tensor-core kernels and costs them up to 3x.

#include <cstdint>
#include <vector>

#include "ufb/ops/dense_ff.h"

namespace ufb::bench {

struct PaddedDenseWeights {
  int64_t width = 0;
  std::vector<float> w_in;   // [width, hidden]
  std::vector<float> b_in;   // [width], or empty
  std::vector<float> w_out;  // [hidden, width]
};

inline PaddedDenseWeights pad_width(const ops::DenseFfWeights& weights, int64_t multiple) {
  const int64_t hidden = weights.shape.hidden;
  const int64_t width = weights.shape.width;
  PaddedDenseWeights padded;
  padded.width = (width + multiple - 1) / multiple * multiple;
  padded.w_in.assign(weights.w_in.begin(), weights.w_in.end());
  padded.w_in.resize(padded.width * hidden, 0.0f);
  if (!weights.b_in.empty()) {
    padded.b_in.assign(weights.b_in.begin(), weights.b_in.end());
    padded.b_in.resize(padded.width, 0.0f);
  }
  padded.w_out.assign(hidden * padded.width, 0.0f);
  for (int64_t h = 0; h < hidden; ++h) {
    for (int64_t n = 0; n < width; ++n) padded.w_out[h * padded.width + n] = weights.w_out[h * width + n];
  }
  return padded;
}

}  // namespace ufb::bench

#include "ops/test_helpers.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "ufb/ops/synthetic.h"

namespace ufb::testing {
namespace {

bool has_routing_margin(const ops::FffWeights& weights, std::span<const float> token, float margin) {
  for (int64_t tree = 0; tree < weights.shape.trees; ++tree) {
    for (const ops::FffStep& step : ops::fff_reference_path(weights, token, tree)) {
      if (std::abs(step.logit) < margin) return false;
    }
  }
  return true;
}

}  // namespace

std::vector<float> tokens_with_routing_margin(const ops::FffWeights& weights, int64_t batch,
                                              float margin, std::mt19937& rng) {
  const int64_t hidden = weights.shape.hidden;
  std::vector<float> tokens(batch * hidden);
  for (int64_t b = 0; b < batch; ++b) {
    const std::span<float> token(tokens.data() + b * hidden, hidden);
    do {
      const std::vector<float> draw = ops::random_tokens(1, hidden, rng);
      std::copy(draw.begin(), draw.end(), token.begin());
    } while (!has_routing_margin(weights, token, margin));
  }
  return tokens;
}

double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double max_difference = 0.0;
  double scale = 1e-30;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    max_difference = std::max(max_difference, std::abs(double{a[i]} - b[i]));
    scale = std::max(scale, std::abs(double{b[i]}));
  }
  return max_difference / scale;
}

}  // namespace ufb::testing

#include "ops/random_layers.h"

#include <algorithm>
#include <cmath>
#include <span>

namespace ufb::testing {
namespace {

std::vector<float> normal_values(int64_t count, float stddev, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> values(count);
  for (float& value : values) value = normal(rng);
  return values;
}

bool has_routing_margin(const ops::FffWeights& weights, std::span<const float> token, float margin) {
  for (int64_t tree = 0; tree < weights.shape.trees; ++tree) {
    for (const ops::FffStep& step : ops::fff_reference_path(weights, token, tree)) {
      if (std::abs(step.logit) < margin) return false;
    }
  }
  return true;
}

}  // namespace

FffLayer random_fff_layer(ops::FffShape shape, std::mt19937& rng) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(shape.hidden));
  FffLayer layer{shape, normal_values(shape.neurons() * shape.hidden, scale, rng),
                 normal_values(shape.neurons(), 0.3f, rng),
                 normal_values(shape.hidden * shape.neurons(), 1.0f, rng)};
  return layer;
}

DenseFfLayer random_dense_ff_layer(ops::DenseFfShape shape, bool with_biases, std::mt19937& rng) {
  DenseFfLayer layer{shape,
                     normal_values(shape.width * shape.hidden, 1.0f / std::sqrt(float(shape.hidden)), rng),
                     with_biases ? normal_values(shape.width, 0.3f, rng) : std::vector<float>{},
                     normal_values(shape.hidden * shape.width, 1.0f / std::sqrt(float(shape.width)), rng),
                     with_biases ? normal_values(shape.hidden, 0.3f, rng) : std::vector<float>{}};
  return layer;
}

std::vector<float> random_tokens(int64_t batch, int64_t hidden, std::mt19937& rng) {
  return normal_values(batch * hidden, 1.0f, rng);
}

std::vector<float> tokens_with_routing_margin(const ops::FffWeights& weights, int64_t batch,
                                              float margin, std::mt19937& rng) {
  const int64_t hidden = weights.shape.hidden;
  std::vector<float> tokens(batch * hidden);
  for (int64_t b = 0; b < batch; ++b) {
    const std::span<float> token(tokens.data() + b * hidden, hidden);
    do {
      const std::vector<float> draw = normal_values(hidden, 1.0f, rng);
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

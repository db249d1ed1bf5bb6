#include "ufb/ops/synthetic.h"

#include <algorithm>
#include <cmath>
#include <span>

#include "ufb/ops/weight_type.h"

namespace ufb::ops {
namespace {

std::vector<float> normal_values(int64_t count, float stddev, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> values(count);
  for (float& value : values) value = normal(rng);
  return values;
}

float inverse_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

bool has_routing_margin(const FffWeights& weights, std::span<const float> token, float margin) {
  for (int64_t tree = 0; tree < weights.shape.trees; ++tree) {
    for (const FffStep& step : fff_reference_path(weights, token, tree)) {
      if (!(std::abs(step.logit) >= margin)) return false;
    }
  }
  return true;
}

std::vector<float> rounded(std::vector<float> values) {
  round_to_bf16(values);
  return values;
}

}  // namespace

FffLayer random_fff_layer(FffShape shape, std::mt19937& rng) {
  return {shape, normal_values(shape.neurons() * shape.hidden, inverse_sqrt(shape.hidden), rng),
          normal_values(shape.neurons(), 0.3f, rng),
          normal_values(shape.hidden * shape.neurons(), 1.0f, rng)};
}

DenseFfLayer random_dense_ff_layer(DenseFfShape shape, bool with_biases, std::mt19937& rng) {
  auto optional_bias = [&](int64_t count) {
    return with_biases ? normal_values(count, 0.3f, rng) : std::vector<float>{};
  };
  DenseFfLayer layer{shape, normal_values(shape.width * shape.hidden, inverse_sqrt(shape.hidden), rng),
                     optional_bias(shape.width),
                     normal_values(shape.hidden * shape.width, inverse_sqrt(shape.width), rng), {}};
  layer.b_out = optional_bias(shape.hidden);
  return layer;
}

std::vector<float> random_tokens(int64_t batch, int64_t hidden, std::mt19937& rng) {
  return normal_values(batch * hidden, 1.0f, rng);
}

std::vector<float> tokens_with_routing_margin(const FffWeights& weights, int64_t batch, float margin,
                                              std::mt19937& rng, int64_t checked) {
  const int64_t hidden = weights.shape.hidden;
  std::vector<float> tokens = random_tokens(batch, hidden, rng);
  const int64_t redrawn = checked < 0 ? batch : std::min(batch, checked);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int64_t b = 0; b < redrawn; ++b) {
    const std::span<float> token(tokens.data() + b * hidden, static_cast<size_t>(hidden));
    while (!has_routing_margin(weights, token, margin)) {
      for (float& value : token) value = normal(rng);
    }
  }
  return tokens;
}

FffLayer rounded_to_bf16(const FffLayer& layer) {
  return {layer.shape, rounded(layer.w_in), layer.b_in, rounded(layer.w_out)};
}

DenseFfLayer rounded_to_bf16(const DenseFfLayer& layer) {
  return {layer.shape, rounded(layer.w_in), layer.b_in, rounded(layer.w_out), layer.b_out};
}

}  // namespace ufb::ops

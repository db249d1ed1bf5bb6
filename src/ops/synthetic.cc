#include "ufb/ops/synthetic.h"

#include <cmath>

namespace ufb::ops {
namespace {

std::vector<float> normal_values(int64_t count, float stddev, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> values(count);
  for (float& value : values) value = normal(rng);
  return values;
}

float inverse_sqrt(int64_t n) { return 1.0f / std::sqrt(static_cast<float>(n)); }

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

}  // namespace ufb::ops

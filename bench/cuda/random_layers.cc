#include "random_layers.h"

#include <algorithm>
#include <cmath>

#include "ufb/ops/weight_type.h"

namespace ufb::bench {
namespace {

std::vector<float> scaled_values(int64_t count, double scale, std::mt19937& rng) {
  std::normal_distribution<float> normal(0.0f, static_cast<float>(scale));
  std::vector<float> values(static_cast<size_t>(count));
  for (float& v : values) v = normal(rng);
  return values;
}

std::vector<float> rounded(std::vector<float> values) {
  ops::round_to_bf16(values);
  return values;
}

}  // namespace

std::vector<float> random_values(int64_t count, std::mt19937& rng) { return scaled_values(count, 1.0, rng); }

FffLayer random_fff_layer(const ops::FffShape& shape, std::mt19937& rng) {
  const int64_t neurons = shape.neurons();
  FffLayer layer{shape, {}, {}, {}};
  layer.w_in = scaled_values(neurons * shape.hidden, 1.0 / std::sqrt(double(shape.hidden)), rng);
  layer.b_in = scaled_values(neurons, 0.1, rng);
  layer.w_out = scaled_values(shape.hidden * neurons, 1.0 / std::sqrt(double(shape.trees * shape.levels())), rng);
  return layer;
}

DenseLayer random_dense_layer(const ops::DenseFfShape& shape, bool biases, std::mt19937& rng) {
  DenseLayer layer{shape, {}, {}, {}, {}};
  layer.w_in = scaled_values(shape.width * shape.hidden, 1.0 / std::sqrt(double(shape.hidden)), rng);
  layer.w_out = scaled_values(shape.hidden * shape.width, 1.0 / std::sqrt(double(shape.width)), rng);
  if (biases) {
    layer.b_in = scaled_values(shape.width, 0.1, rng);
    layer.b_out = scaled_values(shape.hidden, 0.1, rng);
  }
  return layer;
}

FffLayer rounded_to_bf16(const FffLayer& layer) {
  return {layer.shape, rounded(layer.w_in), layer.b_in, rounded(layer.w_out)};
}

DenseLayer rounded_to_bf16(const DenseLayer& layer) {
  return {layer.shape, rounded(layer.w_in), layer.b_in, rounded(layer.w_out), layer.b_out};
}

std::vector<float> random_fff_inputs(const ops::FffWeights& weights, int64_t batch, int64_t checked, float margin,
                                     std::mt19937& rng) {
  const int64_t hidden = weights.shape.hidden;
  std::vector<float> x = random_values(batch * hidden, rng);
  std::normal_distribution<float> normal;
  for (int64_t b = 0; b < std::min(batch, checked); ++b) {
    const std::span<float> token(x.data() + b * hidden, static_cast<size_t>(hidden));
    for (;;) {
      bool safe = true;
      for (int64_t tree = 0; tree < weights.shape.trees && safe; ++tree) {
        for (const ops::FffStep& step : ops::fff_reference_path(weights, token, tree)) {
          safe = safe && std::fabs(step.logit) >= margin;
        }
      }
      if (safe) break;
      for (float& v : token) v = normal(rng);
    }
  }
  return x;
}

double relative_max_error(std::span<const float> actual, std::span<const float> expected) {
  double scale = 0.0;
  double error = 0.0;
  for (size_t i = 0; i < expected.size(); ++i) {
    scale = std::max(scale, std::fabs(double{expected[i]}));
    const double difference = std::fabs(double{actual[i]} - double{expected[i]});
    error = std::isnan(difference) ? INFINITY : std::max(error, difference);
  }
  return error / std::max(scale, 1e-30);
}

}  // namespace ufb::bench

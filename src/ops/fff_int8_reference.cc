// The int8 FFF forward pass done the plain way (docs/model.md §6): the oracle of the native int8
// kernel. Weights are quantized per neuron row, tokens per token, both symmetrically, by scalar
// code of its own (so that the kernel's SIMD quantization is checked too); logits come from exact
// integer sums through fff_int8_logit, outputs are summed in double.
#include <algorithm>
#include <cmath>
#include <vector>

#include "fff_int8.h"
#include "fff_variants.h"
#include "ufb/ops/gelu.h"

namespace ufb::ops {
namespace {

// Codes round_to_nearest_even(v · (1 / scale)), scale = max|v| / 127 (1 for an all-zero row).
float quantize(const float* values, int64_t count, int8_t* codes) {
  float largest = 0.0f;
  for (int64_t i = 0; i < count; ++i) largest = std::max(largest, std::abs(values[i]));
  const float scale = largest > 0.0f ? largest / 127.0f : 1.0f;
  const float inverse = 1.0f / scale;
  for (int64_t i = 0; i < count; ++i) {
    codes[i] = static_cast<int8_t>(std::clamp(std::nearbyint(values[i] * inverse), -127.0f, 127.0f));
  }
  return scale;
}

class Int8ReferenceFff final : public FffKernel {
 public:
  explicit Int8ReferenceFff(const FffWeights& weights) : FffKernel(weights) {
    const int64_t hidden = shape().hidden;
    const int64_t neurons = shape().neurons();
    w_in_.resize(neurons * hidden);
    w_out_rows_.resize(neurons * hidden);
    in_scales_.resize(neurons);
    out_scales_.resize(neurons);
    std::vector<float> column(hidden);
    for (int64_t n = 0; n < neurons; ++n) {
      in_scales_[n] = quantize(weights.w_in.data() + n * hidden, hidden, w_in_.data() + n * hidden);
      for (int64_t h = 0; h < hidden; ++h) column[h] = weights.w_out[h * neurons + n];
      out_scales_[n] = quantize(column.data(), hidden, w_out_rows_.data() + n * hidden);
    }
  }

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    const FffShape& shape = this->shape();
    const int64_t hidden = shape.hidden;
    std::vector<int8_t> token(hidden);
    std::vector<double> sum(hidden);
    for (int64_t b = 0; b < batch; ++b) {
      const float token_scale = quantize(x + b * hidden, hidden, token.data());
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t tree = 0; tree < shape.trees; ++tree) {
        int64_t node = 0;
        for (int level = 0; level < shape.levels(); ++level) {
          const int64_t neuron = tree * shape.nodes_per_tree() + node;
          const int8_t* row = w_in_.data() + neuron * hidden;
          int64_t code_dot = 0;
          for (int64_t h = 0; h < hidden; ++h) code_dot += int64_t{token[h]} * row[h];
          const float logit = fff_int8_logit(static_cast<int32_t>(code_dot), token_scale, in_scales_[neuron],
                                             weights().b_in[neuron]);
          const double activation = gelu(double{logit}) * out_scales_[neuron];
          const int8_t* out_row = w_out_rows_.data() + neuron * hidden;
          for (int64_t h = 0; h < hidden; ++h) sum[h] += activation * out_row[h];
          record.step(shape, b, tree, level, neuron, logit);
          if (level < shape.depth) node = logit > 0.0f ? 2 * node + 2 : 2 * node + 1;
        }
        if (record.leaves) record.leaves[b * shape.trees + tree] = static_cast<int32_t>(node);
      }
      std::transform(sum.begin(), sum.end(), y + b * hidden, [](double value) { return static_cast<float>(value); });
    }
  }

  std::vector<int8_t> w_in_;        // [neurons, hidden] codes
  std::vector<int8_t> w_out_rows_;  // [neurons, hidden] codes of W_out's columns
  std::vector<float> in_scales_;
  std::vector<float> out_scales_;
};

}  // namespace

std::unique_ptr<FffKernel> make_int8_reference_fff(const FffWeights& weights) {
  return std::make_unique<Int8ReferenceFff>(weights);
}

}  // namespace ufb::ops

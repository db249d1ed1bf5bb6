#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "ufb/io/config.h"
#include "ufb/model/weights.h"
#include "ufb/ops/attention.h"
#include "ops/linear.h"

namespace ufb::model {

// BERT's separate query, key and value projections as one [3H, H] matrix (and [3H] bias) in
// crammedBERT's layout, rows interleaved per head (docs/model.md §2.3), so that one matmul
// computes them and the attention reads them as it reads crammedBERT's.
struct PackedQkv {
  std::vector<float> weight, bias;

  PackedQkv(const io::ModelConfig& config, const LayerWeights<std::span<const float>>& layer) {
    const int64_t hidden = config.hidden_size;
    const ops::AttentionShape shape{config.attention.num_attention_heads, config.head_dim()};
    weight.resize(3 * hidden * hidden);
    bias.resize(3 * hidden);
    const std::span<const float> weights[3] = {layer.query_weight, layer.key_weight, layer.value_weight};
    const std::span<const float> biases[3] = {layer.query_bias, layer.key_bias, layer.value_bias};
    for (int64_t part = 0; part < 3; ++part) {
      for (int64_t from = 0; from < hidden; ++from) {
        const int64_t to = ops::qkv_column(shape, part, from);
        std::copy_n(weights[part].begin() + from * hidden, hidden, weight.begin() + to * hidden);
        bias[to] = biases[part][from];
      }
    }
  }
};

// The one [3H, H] projection of a layer: crammedBERT's own (no bias), or BERT's packed.
inline ops::LinearWeights<float> query_key_value_weights(const io::ModelConfig& config,
                                                         const LayerWeights<std::span<const float>>& layer,
                                                         const PackedQkv* packed) {
  const int64_t hidden = config.hidden_size;
  return packed ? ops::LinearWeights<float>{hidden, 3 * hidden, packed->weight, packed->bias}
                : ops::LinearWeights<float>{hidden, 3 * hidden, layer.qkv_weight, {}};
}

}  // namespace ufb::model

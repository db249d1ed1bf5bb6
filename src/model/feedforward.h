#pragma once

// The feedforward block of one encoder layer: the native FFF kernel (plus BERT's output bias) or,
// for dense checkpoints, the oneDNN dense kernel, over the checkpoint's weights (views; the
// checkpoint outlives this).

#include <memory>
#include <span>

#include "ufb/io/config.h"
#include "ufb/model/weights.h"
#include "ufb/ops/dense_ff.h"
#include "ufb/ops/fff.h"
#include "ufb/ops/weight_type.h"

namespace ufb::model {

// The feedforward weights of `layer` as the kernels take them (views of the layer's).
ops::FffWeights fff_weights(const io::ModelConfig& config, const LayerWeights<std::span<const float>>& layer);
ops::DenseFfWeights dense_ff_weights(const io::ModelConfig& config,
                                     const LayerWeights<std::span<const float>>& layer);

class Feedforward {
 public:
  // The feedforward of `layer` (views that outlive this) in the model's precision (int8 FFF
  // layers run bf16 weights: there is no int8 FFF kernel yet).
  Feedforward(const io::ModelConfig& config, const LayerWeights<std::span<const float>>& layer,
              ops::WeightType dtype);

  // y [rows, hidden] = FF(x [rows, hidden]), overwritten. For FFF layers `leaves`, when not
  // empty, gets [rows, trees]: the leaf each token reached in each tree.
  void forward(std::span<const float> x, int64_t rows, std::span<float> y,
               std::span<int32_t> leaves = {}) const;

  bool is_fff() const { return fff_ != nullptr; }
  int64_t held_bytes() const {
    return (fff_ ? fff_->held_bytes() : dense_->held_bytes()) + static_cast<int64_t>(fff_out_bias_.size_bytes());
  }
  int64_t trees() const { return fff_ ? fff_->shape().trees : 0; }

 private:
  std::unique_ptr<ops::FffKernel> fff_;
  std::span<const float> fff_out_bias_;  // empty: none
  std::unique_ptr<ops::DenseFfKernel> dense_;
};

}  // namespace ufb::model

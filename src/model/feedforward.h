#pragma once

// The feedforward block of one encoder layer on one device: the native FFF kernel (plus BERT's
// output bias) or, for dense checkpoints, the device's dense kernel (oneDNN on the CPU, cuBLAS on
// a GPU). CPU kernels read the checkpoint's weights (views; the checkpoint outlives this), GPU
// kernels copy them.

#include <memory>
#include <span>

#include "ops/row_bias.h"
#include "ufb/device.h"
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
  // The feedforward of `layer` in the model's precision on `device`.
  Feedforward(const io::ModelConfig& config, const LayerWeights<std::span<const float>>& layer,
              ops::WeightType dtype, const Device& device = {});

  // y [rows, hidden] = FF(x [rows, hidden]), overwritten, in the device's memory. For FFF layers
  // `leaves`, when not empty, gets [rows, trees] in that memory: the leaf each token reached in
  // each tree.
  void forward(std::span<const float> x, int64_t rows, std::span<float> y,
               std::span<int32_t> leaves = {}) const;

  bool is_fff() const { return fff_ != nullptr; }
  int64_t held_bytes() const { return (fff_ ? fff_->held_bytes() : dense_->held_bytes()) + out_bias_bytes_; }
  int64_t trees() const { return fff_ ? fff_->shape().trees : 0; }

 private:
  std::unique_ptr<ops::FffKernel> fff_;
  std::unique_ptr<ops::RowBias> fff_out_bias_;  // null: none
  int64_t out_bias_bytes_ = 0;
  std::unique_ptr<ops::DenseFfKernel> dense_;
};

}  // namespace ufb::model

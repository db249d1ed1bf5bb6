#include "feedforward.h"

namespace ufb::model {

ops::FffWeights fff_weights(const io::ModelConfig& config, const LayerWeights<std::span<const float>>& layer) {
  const ops::FffShape shape{config.hidden_size, static_cast<int>(config.intermed_depth), config.intermed_size};
  return {shape, layer.fff_in_weight, layer.fff_in_bias, layer.fff_out_weight};
}

ops::DenseFfWeights dense_ff_weights(const io::ModelConfig& config,
                                     const LayerWeights<std::span<const float>>& layer) {
  return {{config.hidden_size, config.intermed_size},
          layer.dense_in_weight,
          layer.dense_in_bias,
          layer.dense_out_weight,
          layer.dense_out_bias,
          config.activation};
}

Feedforward::Feedforward(const io::ModelConfig& config, const LayerWeights<std::span<const float>>& layer,
                         ops::WeightType dtype, const Device& device) {
  if (config.intermed_type == io::FeedforwardKind::kFastFeedforward) {
    fff_ = ops::make_fff_kernel(ops::FffImpl::native, fff_weights(config, layer), dtype, device);
    if (!layer.fff_out_bias.empty()) {
      fff_out_bias_ = ops::make_row_bias(layer.fff_out_bias, device);
      out_bias_bytes_ = static_cast<int64_t>(layer.fff_out_bias.size_bytes());
    }
    return;
  }
  const ops::DenseFfImpl impl = device.is_cuda() ? ops::DenseFfImpl::cublas : ops::DenseFfImpl::onednn;
  dense_ = ops::make_dense_ff_kernel(impl, dense_ff_weights(config, layer), dtype, device);
}

void Feedforward::forward(std::span<const float> x, int64_t rows, std::span<float> y,
                          std::span<int32_t> leaves) const {
  if (fff_) {
    fff_->forward(x, rows, y, leaves);
    if (fff_out_bias_) fff_out_bias_->add_to(y, rows);
  } else {
    dense_->forward(x, rows, y);
  }
}

}  // namespace ufb::model

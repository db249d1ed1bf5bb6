// Dense feedforward on oneDNN matmul: layer 1 with its bias and activation fused as a post-op.
#include <vector>

#include "dense_ff_variants.h"
#include "onednn_matmul.h"

namespace ufb::ops {
namespace {

const float* data_or_null(std::span<const float> values) {
  return values.empty() ? nullptr : values.data();
}

class OnednnDenseFf final : public DenseFfKernel {
 public:
  OnednnDenseFf(const DenseFfWeights& weights, WeightType precision)
      : DenseFfKernel(weights),
        layer_in_(weights.w_in.data(), weights.shape.hidden, weights.shape.width,
                  data_or_null(weights.b_in), {.activation = weights.activation, .precision = precision}),
        layer_out_(weights.w_out.data(), weights.shape.width, weights.shape.hidden,
                   data_or_null(weights.b_out), {.precision = precision}) {}

  int64_t held_bytes() const override { return layer_in_.held_bytes() + layer_out_.held_bytes(); }

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    std::vector<float> activation(batch * shape().width);
    layer_in_.run(x, batch, activation.data());
    layer_out_.run(activation.data(), batch, y);
  }

  OnednnMatmul layer_in_;
  OnednnMatmul layer_out_;
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_onednn_dense_ff(const DenseFfWeights& weights, WeightType precision) {
  return std::make_unique<OnednnDenseFf>(weights, precision);
}

}  // namespace ufb::ops

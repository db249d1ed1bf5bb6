#include <algorithm>

#include "fff_variants.h"
#include "ufb/ops/gelu.h"

namespace ufb::ops {
namespace {

class ReferenceFff final : public FffKernel {
 public:
  using FffKernel::FffKernel;

 private:
  void run(const float* x, int64_t batch, float* y, int32_t* leaves) const override {
    const FffShape& shape = this->shape();
    const int64_t neurons = shape.neurons();
    std::vector<double> sum(shape.hidden);
    for (int64_t b = 0; b < batch; ++b) {
      const std::span<const float> token(x + b * shape.hidden, shape.hidden);
      std::fill(sum.begin(), sum.end(), 0.0);
      for (int64_t tree = 0; tree < shape.trees; ++tree) {
        const std::vector<FffStep> path = fff_reference_path(weights(), token, tree);
        for (const FffStep& step : path) {
          const int64_t neuron = tree * shape.nodes_per_tree() + step.node;
          const double activation = gelu(double{step.logit});
          for (int64_t h = 0; h < shape.hidden; ++h) {
            sum[h] += activation * weights().w_out[h * neurons + neuron];
          }
        }
        if (leaves) leaves[b * shape.trees + tree] = path.back().node;
      }
      std::copy(sum.begin(), sum.end(), y + b * shape.hidden);
    }
  }
};

}  // namespace

std::unique_ptr<FffKernel> make_reference_fff(const FffWeights& weights) {
  return std::make_unique<ReferenceFff>(weights);
}

}  // namespace ufb::ops

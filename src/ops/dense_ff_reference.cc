#include <vector>

#include "dense_ff_variants.h"
#include "ufb/ops/activation.h"

namespace ufb::ops {
namespace {

class ReferenceDenseFf final : public DenseFfKernel {
 public:
  using DenseFfKernel::DenseFfKernel;

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    const auto [hidden, width] = shape();
    const DenseFfWeights& w = weights();
    std::vector<double> activation(width);
    for (int64_t b = 0; b < batch; ++b) {
      const float* token = x + b * hidden;
      for (int64_t j = 0; j < width; ++j) {
        double sum = w.b_in.empty() ? 0.0 : w.b_in[j];
        for (int64_t h = 0; h < hidden; ++h) sum += double{token[h]} * w.w_in[j * hidden + h];
        activation[j] = activate(w.activation, sum);
      }
      for (int64_t h = 0; h < hidden; ++h) {
        double sum = w.b_out.empty() ? 0.0 : w.b_out[h];
        for (int64_t j = 0; j < width; ++j) sum += activation[j] * w.w_out[h * width + j];
        y[b * hidden + h] = static_cast<float>(sum);
      }
    }
  }
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_reference_dense_ff(const DenseFfWeights& weights) {
  return std::make_unique<ReferenceDenseFf>(weights);
}

}  // namespace ufb::ops

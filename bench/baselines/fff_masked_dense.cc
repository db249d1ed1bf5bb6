// The formulation of the original UltraFastBERT training code: compute every neuron's logit
// with one matmul, build a hard 0/1 mask of the visited path, and multiply the masked GELU
// activations by the whole output matrix. Correct, but it does the dense amount of work.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "baselines/baselines.h"
#include "ufb/ops/gelu.h"

namespace ufb::bench {

using ops::FffKernel;
using ops::FffRecord;
using ops::FffShape;
using ops::FffWeights;
using ops::gelu;

namespace {

class MaskedDenseFff final : public FffKernel {
 public:
  using FffKernel::FffKernel;

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    const FffShape& shape = this->shape();
    const int64_t neurons = shape.neurons();
    std::vector<float> logits(batch * neurons);
    for (int64_t b = 0; b < batch; ++b) {
      std::copy_n(weights().b_in.data(), neurons, logits.data() + b * neurons);
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, neurons, shape.hidden, 1.0f, x,
                shape.hidden, weights().w_in.data(), shape.hidden, 1.0f, logits.data(), neurons);

    std::vector<float> masked(batch * neurons, 0.0f);
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < batch; ++b) {
      const float* token_logits = logits.data() + b * neurons;
      float* token_masked = masked.data() + b * neurons;
      for (int64_t tree = 0; tree < shape.trees; ++tree) {
        const int64_t first = tree * shape.nodes_per_tree();
        int64_t node = 0;
        for (int level = 0; level < shape.levels(); ++level) {
          const float logit = token_logits[first + node];
          token_masked[first + node] = gelu(logit);
          record.step(shape, b, tree, level, first + node, logit);
          if (level + 1 < shape.levels()) node = logit > 0.0f ? 2 * node + 2 : 2 * node + 1;
        }
        if (record.leaves) record.leaves[b * shape.trees + tree] = static_cast<int32_t>(node);
      }
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, shape.hidden, neurons, 1.0f,
                masked.data(), neurons, weights().w_out.data(), neurons, 0.0f, y, shape.hidden);
  }
};

}  // namespace

std::unique_ptr<FffKernel> make_masked_dense_fff(const FffWeights& weights) {
  return std::make_unique<MaskedDenseFff>(weights);
}

}  // namespace ufb::bench

// The paper's "BLAS level 1" CMM: per visited node one sdot for the logit and one saxpy that
// adds the node's output column. W_out is transposed once up front so that column is contiguous.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "baselines/baselines.h"
#include "ops/transpose.h"
#include "ufb/ops/gelu.h"

namespace ufb::bench {

using ops::FffKernel;
using ops::FffRecord;
using ops::FffShape;
using ops::FffWeights;
using ops::gelu;
using ops::transposed;

namespace {

class BlasL1Fff final : public FffKernel {
 public:
  explicit BlasL1Fff(const FffWeights& weights)
      : FffKernel(weights),
        w_out_by_neuron_(transposed(weights.w_out, weights.shape.hidden, weights.shape.neurons())) {}

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    const FffShape& shape = this->shape();
    const int64_t hidden = shape.hidden;
#pragma omp parallel for schedule(static)
    for (int64_t b = 0; b < batch; ++b) {
      const float* token = x + b * hidden;
      float* out = y + b * hidden;
      std::fill_n(out, hidden, 0.0f);
      for (int64_t tree = 0; tree < shape.trees; ++tree) {
        const int64_t first = tree * shape.nodes_per_tree();
        int64_t node = 0;
        for (int level = 0; level < shape.levels(); ++level) {
          const int64_t neuron = first + node;
          const float logit = cblas_sdot(hidden, token, 1, weights().w_in.data() + neuron * hidden, 1) +
                              weights().b_in[neuron];
          cblas_saxpy(hidden, gelu(logit), w_out_by_neuron_.data() + neuron * hidden, 1, out, 1);
          record.step(shape, b, tree, level, neuron, logit);
          if (level + 1 < shape.levels()) node = logit > 0.0f ? 2 * node + 2 : 2 * node + 1;
        }
        if (record.leaves) record.leaves[b * shape.trees + tree] = static_cast<int32_t>(node);
      }
    }
  }

  std::vector<float> w_out_by_neuron_;  // [neurons, hidden]
};

}  // namespace

std::unique_ptr<FffKernel> make_blas_l1_fff(const FffWeights& weights) {
  return std::make_unique<BlasL1Fff>(weights);
}

}  // namespace ufb::bench

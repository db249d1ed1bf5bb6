// The plain FFF forward pass: the oracle every kernel is tested against, and training's forward
// pass in double.
#include <algorithm>
#include <vector>

#include "fff_tree.h"
#include "fff_variants.h"
#include "transpose.h"
#include "ufb/ops/gelu.h"

namespace ufb::ops {
namespace {

template <class T>
void reference_forward(const FffRowWeights<T>& weights, std::span<const T> x, int64_t batch,
                       std::span<T> y, const FffRecord<T>& record) {
  const FffShape& shape = weights.shape;
  const int64_t hidden = shape.hidden;
  std::vector<double> sum(hidden);
  for (int64_t b = 0; b < batch; ++b) {
    const T* token = x.data() + b * hidden;
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int64_t tree = 0; tree < shape.trees; ++tree) {
      walk_fff_tree(shape, token, weights.w_in.data(), weights.b_in.data(), tree,
                    [&](int level, int64_t node, T logit) {
                      const int64_t neuron = tree * shape.nodes_per_tree() + node;
                      const double activation = gelu(double{logit});
                      const T* row = weights.w_out_rows.data() + neuron * hidden;
                      for (int64_t h = 0; h < hidden; ++h) sum[h] += activation * row[h];
                      record.step(shape, b, tree, level, neuron, logit);
                      if (record.leaves && level == shape.depth) {
                        record.leaves[b * shape.trees + tree] = static_cast<int32_t>(node);
                      }
                    });
    }
    std::transform(sum.begin(), sum.end(), y.begin() + b * hidden,
                   [](double value) { return static_cast<T>(value); });
  }
}

template <class T>
void checked_reference(const FffRowWeights<T>& weights, std::span<const T> x, int64_t batch,
                       std::span<T> y, FffPaths<T>* paths) {
  const FffShape& shape = weights.shape;
  check_fff_weights(shape, weights.w_in.size(), weights.b_in.size(), weights.w_out_rows.size());
  check_fff_batch(shape, x.size(), batch, y.size());
  reference_forward(weights, x, batch, y,
                    record_paths(paths, batch * shape.trees * shape.levels()));
}

class ReferenceFff final : public FffKernel {
 public:
  explicit ReferenceFff(const FffWeights& weights)
      : FffKernel(weights),
        w_out_rows_(transposed(weights.w_out, weights.shape.hidden, weights.shape.neurons())) {}

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    const int64_t values = batch * shape().hidden;
    reference_forward<float>({shape(), weights().w_in, weights().b_in, w_out_rows_},
                             {x, static_cast<size_t>(values)}, batch,
                             {y, static_cast<size_t>(values)}, record);
  }

  std::vector<float> w_out_rows_;  // [neurons, hidden]
};

}  // namespace

void fff_reference(const FffRowWeights<float>& weights, std::span<const float> x, int64_t batch,
                   std::span<float> y, FffPaths<float>* paths) {
  checked_reference(weights, x, batch, y, paths);
}

void fff_reference(const FffRowWeights<double>& weights, std::span<const double> x,
                   int64_t batch, std::span<double> y, FffPaths<double>* paths) {
  checked_reference(weights, x, batch, y, paths);
}

std::unique_ptr<FffKernel> make_reference_fff(const FffWeights& weights) {
  return std::make_unique<ReferenceFff>(weights);
}

}  // namespace ufb::ops

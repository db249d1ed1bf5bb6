// The paper's "BLAS level 2" CMM. Level by level, the tokens that sit at the same node form a
// group; the group's rows are gathered, one sgemv gives all their logits and one sger adds the
// node's output column to all their outputs, which are then scattered back.
#include <cblas.h>

#include <algorithm>
#include <numeric>
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

// Large groups are split so that the threads share the top levels of the tree too.
constexpr int64_t kMaxGroupTokens = 256;

struct TokenGroup {
  int64_t node = 0;
  int64_t begin = 0;  // range in the node-sorted token order
  int64_t end = 0;
};

class BlasL2Fff final : public FffKernel {
 public:
  explicit BlasL2Fff(const FffWeights& weights)
      : FffKernel(weights),
        w_out_by_neuron_(transposed(weights.w_out, weights.shape.hidden, weights.shape.neurons())) {}

 private:
  void run(const float* x, int64_t batch, float* y, const FffRecord<float>& record) const override {
    const FffShape& shape = this->shape();
    std::fill_n(y, batch * shape.hidden, 0.0f);
    std::vector<int64_t> node(batch);
    std::vector<int64_t> order(batch);
    for (int64_t tree = 0; tree < shape.trees; ++tree) {
      std::fill(node.begin(), node.end(), 0);
      for (int level = 0; level < shape.levels(); ++level) {
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(),
                         [&](int64_t a, int64_t b) { return node[a] < node[b]; });
        const std::vector<TokenGroup> groups = group_by_node(order, node);
#pragma omp parallel for schedule(dynamic)
        for (size_t g = 0; g < groups.size(); ++g) {
          run_group(groups[g], tree, level, order, x, y, node, record);
        }
      }
      if (record.leaves) {
        for (int64_t b = 0; b < batch; ++b) record.leaves[b * shape.trees + tree] = static_cast<int32_t>(node[b]);
      }
    }
  }

  static std::vector<TokenGroup> group_by_node(const std::vector<int64_t>& order,
                                               const std::vector<int64_t>& node) {
    std::vector<TokenGroup> groups;
    for (int64_t i = 0; i < static_cast<int64_t>(order.size()); ++i) {
      const int64_t n = node[order[i]];
      if (groups.empty() || groups.back().node != n ||
          groups.back().end - groups.back().begin == kMaxGroupTokens) {
        groups.push_back({n, i, i});
      }
      groups.back().end = i + 1;
    }
    return groups;
  }

  // Evaluates one node for the group's tokens and moves each token to its child.
  void run_group(const TokenGroup& group, int64_t tree, int level, const std::vector<int64_t>& order,
                 const float* x, float* y, std::vector<int64_t>& node,
                 const FffRecord<float>& record) const {
    const int64_t hidden = shape().hidden;
    const int64_t count = group.end - group.begin;
    const int64_t neuron = tree * shape().nodes_per_tree() + group.node;
    std::vector<float> rows(count * hidden);
    std::vector<float> outputs(count * hidden);
    std::vector<float> logits(count, weights().b_in[neuron]);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t token = order[group.begin + i];
      std::copy_n(x + token * hidden, hidden, rows.data() + i * hidden);
      std::copy_n(y + token * hidden, hidden, outputs.data() + i * hidden);
    }
    cblas_sgemv(CblasRowMajor, CblasNoTrans, count, hidden, 1.0f, rows.data(), hidden,
                weights().w_in.data() + neuron * hidden, 1, 1.0f, logits.data(), 1);
    std::vector<float> activations(count);
    for (int64_t i = 0; i < count; ++i) activations[i] = gelu(logits[i]);
    cblas_sger(CblasRowMajor, count, hidden, 1.0f, activations.data(), 1,
               w_out_by_neuron_.data() + neuron * hidden, 1, outputs.data(), hidden);
    for (int64_t i = 0; i < count; ++i) {
      const int64_t token = order[group.begin + i];
      std::copy_n(outputs.data() + i * hidden, hidden, y + token * hidden);
      record.step(shape(), token, tree, level, neuron, logits[i]);
      if (level + 1 < shape().levels()) {
        node[token] = logits[i] > 0.0f ? 2 * group.node + 2 : 2 * group.node + 1;
      }
    }
  }

  std::vector<float> w_out_by_neuron_;  // [neurons, hidden]
};

}  // namespace

std::unique_ptr<FffKernel> make_blas_l2_fff(const FffWeights& weights) {
  return std::make_unique<BlasL2Fff>(weights);
}

}  // namespace ufb::bench

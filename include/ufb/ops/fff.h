#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ufb/ops/weight_type.h"

namespace ufb::ops {

// Fast feedforward layer (MODEL.md §1): `trees` balanced binary trees of depth `depth` over a
// `hidden`-wide input; a token visits depth+1 neurons per tree and the outputs of all trees add.
struct FffShape {
  int64_t hidden = 0;
  int depth = 0;
  int64_t trees = 1;

  static constexpr int kMaxDepth = 16;

  int levels() const { return depth + 1; }
  int64_t nodes_per_tree() const { return (int64_t{2} << depth) - 1; }
  int64_t neurons() const { return trees * nodes_per_tree(); }
};

// Non-owning views of an FFF layer's parameters in the checkpoint layout (row-major):
// w_in [neurons, hidden], b_in [neurons], w_out [hidden, neurons].
struct FffWeights {
  FffShape shape;
  std::span<const float> w_in;
  std::span<const float> b_in;
  std::span<const float> w_out;
};

// Throws ufb::Error naming the first mismatch between the shape and the spans.
void validate(const FffWeights& weights);

// One visited node of one tree: the node's index within its tree and its logit.
struct FffStep {
  int32_t node = 0;
  float logit = 0.0f;
};

// The path a single token takes through tree `tree`, computed the plain way (the oracle).
std::vector<FffStep> fff_reference_path(const FffWeights& weights, std::span<const float> token,
                                        int64_t tree);

// The path that ends at `leaf` (a node index within the tree, as FffKernel::forward reports
// it), root first, with each node's logit for `token`. Throws ufb::Error if `leaf` is not a leaf.
std::vector<FffStep> fff_path_to_leaf(const FffWeights& weights, std::span<const float> token,
                                      int64_t tree, int32_t leaf);

enum class FffImpl {
  reference,     // plain loops over the path: the oracle every other variant is tested against
  masked_dense,  // the original training code: all logits, a hard path mask, two dense matmuls
  blas_l1,       // per visited node one sdot and one saxpy (the paper's "BLAS level 1" CMM)
  blas_l2,       // per level, tokens grouped by node: sgemv + sger over the group (level 2)
  native,        // ours: interleaved tokens, subtree buckets, packed node blocks, SIMD
};

std::string_view to_string(FffImpl impl);
FffImpl parse_fff_impl(std::string_view name);  // throws ufb::Error listing the valid names
std::span<const FffImpl> all_fff_impls();

// An FFF layer ready to run: y = FFF(x) for a batch of tokens. Kernels keep views of the
// weights they were made from (the caller keeps those alive) plus whatever they prepared.
class FffKernel {
 public:
  explicit FffKernel(const FffWeights& weights);
  virtual ~FffKernel() = default;
  FffKernel(const FffKernel&) = delete;
  FffKernel& operator=(const FffKernel&) = delete;

  // x [batch, hidden] in, y [batch, hidden] out (overwritten). `leaves`, when not empty, gets
  // [batch, trees]: the last node each token reached in each tree, which fixes its whole path.
  // Throws ufb::Error on a size mismatch.
  void forward(std::span<const float> x, int64_t batch, std::span<float> y,
               std::span<int32_t> leaves = {}) const;

  const FffShape& shape() const { return weights_.shape; }

 protected:
  const FffWeights& weights() const { return weights_; }
  // Called with checked sizes; leaves is nullptr when not wanted.
  virtual void run(const float* x, int64_t batch, float* y, int32_t* leaves) const = 0;

 private:
  FffWeights weights_;
};

// Throws ufb::Error for invalid weights or an implementation that lacks `weight_type`
// (only `native` stores bf16 weights).
std::unique_ptr<FffKernel> make_fff_kernel(FffImpl impl, const FffWeights& weights,
                                           WeightType weight_type = WeightType::f32);

}  // namespace ufb::ops

#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "ufb/device.h"
#include "ufb/ops/weight_type.h"

namespace ufb::ops {

// Fast feedforward layer (docs/model.md §1): `trees` balanced binary trees of depth `depth` over a
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

// How W_out is laid out: as in the checkpoint, [hidden, neurons]; or as training keeps it,
// [neurons, hidden], where a visited node's output weights are one contiguous row.
enum class FffOutputLayout { hidden_major, neuron_major };

// Non-owning views of an FFF layer's parameters (row-major): w_in [neurons, hidden],
// b_in [neurons], w_out in `w_out_layout`.
struct FffWeights {
  FffShape shape;
  std::span<const float> w_in;
  std::span<const float> b_in;
  std::span<const float> w_out;
  FffOutputLayout w_out_layout = FffOutputLayout::hidden_major;
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

// An FFF layer's parameters as training holds them, for both scalar types (float trains, double
// checks gradients): W_out in the neuron-major layout.
template <class T>
struct FffRowWeights {
  FffShape shape;
  std::span<const T> w_in;        // [neurons, hidden]
  std::span<const T> b_in;        // [neurons]
  std::span<const T> w_out_rows;  // [neurons, hidden]
};

// Gradients of those parameters, accumulated (+=), for the visited nodes only.
template <class T>
struct FffGrads {
  std::span<T> w_in;
  std::span<T> b_in;
  std::span<T> w_out_rows;
};

// The path of every token through every tree, as a forward pass took it and its backward pass
// needs it: [batch, trees, levels] neuron indices (counted over all trees) and their logits.
template <class T>
struct FffPaths {
  std::vector<int32_t> neurons;
  std::vector<T> logits;
};

// The plain forward pass, x [batch, hidden] → y [batch, hidden] (overwritten), logits and outputs
// summed in double: the oracle of the kernels, and training's forward pass in double. With
// `paths`, every token's path is kept. Throws ufb::Error on a size mismatch.
void fff_reference(const FffRowWeights<float>& weights, std::span<const float> x, int64_t batch,
                   std::span<float> y, FffPaths<float>* paths = nullptr);
void fff_reference(const FffRowWeights<double>& weights, std::span<const double> x,
                   int64_t batch, std::span<double> y, FffPaths<double>* paths = nullptr);

// The gradient through the paths a forward pass of input x took (docs/model.md §1: hard routing,
// so only the visited nodes): dx += dL/dx, and grads += theirs. Throws ufb::Error on a size
// mismatch.
void fff_backward(const FffRowWeights<float>& weights, std::span<const float> x, int64_t batch,
                  const FffPaths<float>& paths, std::span<const float> dy, std::span<float> dx,
                  const FffGrads<float>& grads);
void fff_backward(const FffRowWeights<double>& weights, std::span<const double> x,
                  int64_t batch, const FffPaths<double>& paths, std::span<const double> dy,
                  std::span<double> dx, const FffGrads<double>& grads);

// Where a forward pass records what it did; a null pointer is not recorded.
template <class T>
struct FffRecord {
  int32_t* leaves = nullptr;   // [batch, trees]: the last node reached in each tree
  int32_t* neurons = nullptr;  // [batch, trees, levels]: each visited neuron, over all trees
  T* logits = nullptr;         // [batch, trees, levels]: the logit that routed the token there

  void step(const FffShape& shape, int64_t token, int64_t tree, int level, int64_t neuron,
            T logit) const {
    if (!neurons) return;
    const int64_t at = (token * shape.trees + tree) * shape.levels() + level;
    neurons[at] = static_cast<int32_t>(neuron);
    logits[at] = logit;
  }
};

// The benchmark's baselines (the paper's BLAS forms, the original training code's masked dense
// form, the naive GPU kernel) are not the library's: bench/baselines/, bench/cuda/baselines/.
enum class FffImpl {
  reference,  // plain loops over the path: the oracle every other form is tested against (CPU)
  native,     // ours. CPU: interleaved tokens, subtree buckets, packed node blocks, SIMD. CUDA
              // (docs/cuda.md): a warp per token with its input and output in registers across
              // all levels, a node's W_in row and W_out column adjacent, one launch per layer
};

std::string_view to_string(FffImpl impl);
FffImpl parse_fff_impl(std::string_view name);  // throws ufb::Error listing the valid names
std::span<const FffImpl> all_fff_impls();

// An FFF layer ready to run on one device: y = FFF(x) for a batch of tokens. CPU kernels keep
// views of the weights they were made from (the caller keeps those alive) plus whatever they
// prepared; a GPU kernel copies the weights to its device when it is made (in its own layout
// and weight type), so the host arrays need not outlive it.
class FffKernel {
 public:
  // A CPU kernel over views of `weights` (for implementations: the class is abstract).
  explicit FffKernel(const FffWeights& weights);
  virtual ~FffKernel() = default;
  FffKernel(const FffKernel&) = delete;
  FffKernel& operator=(const FffKernel&) = delete;

  // x [batch, hidden] in, y [batch, hidden] out (overwritten), all in the memory of device():
  // host memory for the CPU, device memory of that GPU for CUDA (where the call is queued on
  // the default stream and returns without waiting). `leaves`, when not empty, gets [batch,
  // trees] in that same memory: the last node each token reached in each tree, which fixes its
  // whole path. `paths` (host memory, CPU kernels only), when given, gets each visited node and
  // the logit that routed the token, as the kernel computed it (training's backward pass uses
  // those). Throws ufb::Error on a size mismatch. A kernel may keep scratch memory between
  // calls: one kernel object runs one call at a time.
  void forward(std::span<const float> x, int64_t batch, std::span<float> y,
               std::span<int32_t> leaves = {}, FffPaths<float>* paths = nullptr) const;

  const FffShape& shape() const { return weights_.shape; }
  const Device& device() const { return device_; }
  // Bytes of weights the kernel holds in a layout of its own (0 where it reads the views).
  virtual int64_t held_bytes() const { return 0; }

 protected:
  // A kernel on `device` that holds its own copy of the weights.
  FffKernel(const FffShape& shape, const Device& device);

  // The views a CPU kernel was made from.
  const FffWeights& weights() const { return weights_; }
  // Called with checked sizes and batch >= 1.
  virtual void run(const float* x, int64_t batch, float* y,
                   const FffRecord<float>& record) const = 0;

 private:
  FffWeights weights_;  // only the shape, for a kernel that holds its own copy
  Device device_;
};

// A kernel of `impl` on `device`. Throws ufb::Error for invalid weights, an implementation that
// lacks `weight_type`, `w_out_layout` or `device` (only `native` stores bf16 weights, reads the
// neuron-major layout or runs on a GPU, where it takes f32 and bf16; int8 is in both CPU
// implementations: `reference` is the plain int8 pass the native one is tested against), or a
// GPU this build or machine does not have.
std::unique_ptr<FffKernel> make_fff_kernel(FffImpl impl, const FffWeights& weights,
                                           WeightType weight_type = WeightType::f32,
                                           const Device& device = {});

}  // namespace ufb::ops

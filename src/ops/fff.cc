// The FFF kernel interface: argument checks shared by all variants, names, and the factory.
#include "ufb/ops/fff.h"

#include <array>
#include <cstdint>
#include <string>

#include "fff_tree.h"
#include "fff_variants.h"
#include "ops/cuda_backend.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

constexpr std::array kFffImpls = {FffImpl::reference, FffImpl::native};

void check_span(std::string_view what, size_t actual, int64_t expected) {
  if (static_cast<int64_t>(actual) != expected) {
    throw Error("FFF " + std::string(what) + " has " + std::to_string(actual) +
                " values, the shape implies " + std::to_string(expected));
  }
}

}  // namespace

void check_fff_weights(const FffShape& shape, size_t w_in, size_t b_in, size_t w_out) {
  if (shape.hidden < 1) throw Error("FFF hidden size must be >= 1, got " + std::to_string(shape.hidden));
  if (shape.depth < 0 || shape.depth > FffShape::kMaxDepth) {
    throw Error("FFF depth must be in 0.." + std::to_string(FffShape::kMaxDepth) + ", got " +
                std::to_string(shape.depth));
  }
  if (shape.trees < 1) throw Error("FFF tree count must be >= 1, got " + std::to_string(shape.trees));
  check_span("w_in", w_in, shape.neurons() * shape.hidden);
  check_span("b_in", b_in, shape.neurons());
  check_span("w_out", w_out, shape.hidden * shape.neurons());
}

void check_fff_batch(const FffShape& shape, size_t x, int64_t batch, size_t y) {
  if (batch < 0) throw Error("FFF batch must be >= 0, got " + std::to_string(batch));
  check_span("input", x, batch * shape.hidden);
  check_span("output", y, batch * shape.hidden);
}

void validate(const FffWeights& weights) {
  check_fff_weights(weights.shape, weights.w_in.size(), weights.b_in.size(), weights.w_out.size());
}

std::vector<FffStep> fff_reference_path(const FffWeights& weights, std::span<const float> token,
                                        int64_t tree) {
  check_span("token", token.size(), weights.shape.hidden);
  std::vector<FffStep> path;
  walk_fff_tree(weights.shape, token.data(), weights.w_in.data(), weights.b_in.data(), tree,
                [&](int, int64_t node, float logit) {
                  path.push_back({static_cast<int32_t>(node), logit});
                });
  return path;
}

std::vector<FffStep> fff_path_to_leaf(const FffWeights& weights, std::span<const float> token,
                                      int64_t tree, int32_t leaf) {
  const FffShape& shape = weights.shape;
  check_span("token", token.size(), shape.hidden);
  const int64_t first_leaf = shape.nodes_per_tree() / 2;
  if (leaf < first_leaf || leaf >= shape.nodes_per_tree()) {
    throw Error("node " + std::to_string(leaf) + " is not a leaf of a depth-" +
                std::to_string(shape.depth) + " tree");
  }
  std::vector<FffStep> path(shape.levels());
  int64_t node = leaf;
  for (int level = shape.depth; level >= 0; --level) {
    const float logit = fff_node_logit(token.data(), weights.w_in.data(), weights.b_in.data(),
                                       shape.hidden, tree * shape.nodes_per_tree() + node);
    path[level] = {static_cast<int32_t>(node), logit};
    node = (node - 1) / 2;
  }
  return path;
}

std::string_view to_string(FffImpl impl) {
  switch (impl) {
    case FffImpl::reference: return "reference";
    case FffImpl::native: return "native";
  }
  return "?";
}

FffImpl parse_fff_impl(std::string_view name) {
  for (FffImpl impl : kFffImpls) {
    if (to_string(impl) == name) return impl;
  }
  throw Error("unknown FFF implementation '" + std::string(name) +
              "' (expected reference or native)");
}

std::span<const FffImpl> all_fff_impls() { return kFffImpls; }

FffKernel::FffKernel(const FffWeights& weights) : weights_(weights) { validate(weights_); }

FffKernel::FffKernel(const FffShape& shape, const Device& device) : device_(device) {
  weights_.shape = shape;
}

void FffKernel::forward(std::span<const float> x, int64_t batch, std::span<float> y,
                        std::span<int32_t> leaves, FffPaths<float>* paths) const {
  check_fff_batch(shape(), x.size(), batch, y.size());
  if (!leaves.empty()) check_span("leaves", leaves.size(), batch * shape().trees);
  if (paths && device_.is_cuda()) {
    throw Error("FFF paths are recorded by CPU kernels only, not on " + to_string(device_));
  }
  FffRecord<float> record = record_paths(paths, batch * shape().trees * shape().levels());
  if (!leaves.empty()) record.leaves = leaves.data();
  if (batch == 0) return;
  // A GPU kernel's grid counts tokens in its x dimension.
  if (device_.is_cuda() && batch > INT32_MAX) {
    throw Error("FFF batch on a GPU must be at most 2147483647, got " + std::to_string(batch));
  }
  run(x.data(), batch, y.data(), record);
}

std::unique_ptr<FffKernel> make_fff_kernel(FffImpl impl, const FffWeights& weights,
                                           WeightType weight_type, const Device& device) {
  validate(weights);
  if (device.is_cuda()) {
    if (impl != FffImpl::native) {
      throw Error("FFF implementation '" + std::string(to_string(impl)) + "' runs on the CPU only ('native' runs on " +
                  to_string(device) + ")");
    }
    return make_cuda_fff(weights, weight_type, device);
  }
  if (impl == FffImpl::native) return make_native_fff(weights, weight_type);
  if (weights.w_out_layout != FffOutputLayout::hidden_major) {
    throw Error("FFF implementation 'reference' reads W_out only as [hidden, neurons] ([neurons, hidden] is "
                "available in 'native')");
  }
  // The reference's int8 form is the oracle of the native int8 kernel; a bf16 reference is the
  // f32 one run on bf16-rounded weights.
  if (weight_type == WeightType::int8) return make_int8_reference_fff(weights);
  if (weight_type != WeightType::f32) {
    throw Error("FFF implementation 'reference' supports f32 and int8 weights (" +
                std::string(to_string(weight_type)) + " is available in 'native')");
  }
  return make_reference_fff(weights);
}

}  // namespace ufb::ops

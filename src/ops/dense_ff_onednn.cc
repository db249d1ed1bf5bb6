// Dense feedforward on oneDNN matmul: layer 1 with its bias and GELU(erf) fused as a post-op,
// weights reordered once into the layout oneDNN picks, one primitive per batch size.
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>

#include "dense_ff_variants.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr memory::data_type kF32 = memory::data_type::f32;

// One matmul dst[rows, cols] = src[rows, inner] · W^T (+ bias) (then GELU), W stored [cols, inner].
struct PreparedMatmul {
  dnnl::matmul primitive;
  memory::desc src_desc;
  memory::desc dst_desc;
  memory weights;
  memory bias;

  void execute(dnnl::stream& stream, const dnnl::engine& engine, const float* src, float* dst) const {
    memory src_memory(src_desc, engine, const_cast<float*>(src));
    memory dst_memory(dst_desc, engine, dst);
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_memory},
                                            {DNNL_ARG_WEIGHTS, weights},
                                            {DNNL_ARG_DST, dst_memory}};
    if (bias) args.emplace(DNNL_ARG_BIAS, bias);
    primitive.execute(stream, args);
  }
};

// One weight matrix W [cols, inner] in the layouts oneDNN asked for so far. Plans for different
// batch sizes nearly always ask for the same layout, so they share one reordered copy.
class ReorderedWeights {
 public:
  ReorderedWeights(const float* weights, int64_t inner, int64_t cols) : weights_(weights), inner_(inner), cols_(cols) {}

  memory in_layout(const memory::desc& layout, const dnnl::engine& engine, dnnl::stream& stream) {
    for (const memory& copy : copies_) {
      if (copy.get_desc() == layout) return copy;
    }
    // The user's W [cols, inner] is W^T [inner, cols] in column-major ("ba") order.
    memory user_weights({{inner_, cols_}, kF32, Tag::ba}, engine, const_cast<float*>(weights_));
    memory copy(layout, engine);
    dnnl::reorder(user_weights, copy).execute(stream, user_weights, copy);
    stream.wait();
    copies_.push_back(copy);
    return copy;
  }

 private:
  const float* weights_;
  int64_t inner_, cols_;
  std::vector<memory> copies_;
};

PreparedMatmul prepare_matmul(const dnnl::engine& engine, dnnl::stream& stream, int64_t rows,
                              ReorderedWeights& weights, int64_t inner, int64_t cols, const float* bias,
                              bool fuse_gelu) {
  const memory::desc src_desc({rows, inner}, kF32, Tag::ab);
  const memory::desc any_weights_desc({inner, cols}, kF32, Tag::any);
  const memory::desc bias_desc = bias ? memory::desc({1, cols}, kF32, Tag::ab) : memory::desc();
  const memory::desc dst_desc({rows, cols}, kF32, Tag::ab);
  dnnl::primitive_attr attributes;
  if (fuse_gelu) {
    dnnl::post_ops post_ops;
    post_ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
    attributes.set_post_ops(post_ops);
  }
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(src_desc, any_weights_desc, bias_desc, dst_desc), attributes, engine);
  return {dnnl::matmul(pd), pd.src_desc(), pd.dst_desc(), weights.in_layout(pd.weights_desc(), engine, stream),
          bias ? memory(bias_desc, engine, const_cast<float*>(bias)) : memory()};
}

class OnednnDenseFf final : public DenseFfKernel {
 public:
  explicit OnednnDenseFf(const DenseFfWeights& weights)
      : DenseFfKernel(weights),
        engine_(dnnl::engine::kind::cpu, 0),
        w_in_(weights.w_in.data(), weights.shape.hidden, weights.shape.width),
        w_out_(weights.w_out.data(), weights.shape.width, weights.shape.hidden) {}

 private:
  struct Plan {
    PreparedMatmul layer_in;
    PreparedMatmul layer_out;
  };

  void run(const float* x, int64_t batch, float* y) const override {
    dnnl::stream stream(engine_);
    const std::shared_ptr<const Plan> plan = plan_for(batch, stream);
    std::vector<float> activation(batch * shape().width);
    plan->layer_in.execute(stream, engine_, x, activation.data());
    plan->layer_out.execute(stream, engine_, activation.data(), y);
    stream.wait();
  }

  // Primitive creation and weight reordering cost milliseconds, so they happen once per batch size.
  // Shared so that a plan evicted while another thread still runs it stays alive until then.
  std::shared_ptr<const Plan> plan_for(int64_t batch, dnnl::stream& stream) const {
    std::lock_guard lock(mutex_);
    auto found = plans_.find(batch);
    if (found != plans_.end()) return found->second;
    const auto [hidden, width] = shape();
    const DenseFfWeights& w = weights();
    if (plans_.size() == kMaxPlans) plans_.erase(plans_.begin());
    const float* b_in = w.b_in.empty() ? nullptr : w.b_in.data();
    const float* b_out = w.b_out.empty() ? nullptr : w.b_out.data();
    auto plan = std::make_shared<const Plan>(prepare_matmul(engine_, stream, batch, w_in_, hidden, width, b_in, true),
                                             prepare_matmul(engine_, stream, batch, w_out_, width, hidden, b_out, false));
    plans_.emplace(batch, plan);
    return plan;
  }

  // Each plan holds JIT-compiled code: bound their number for callers with many batch sizes.
  static constexpr size_t kMaxPlans = 32;

  dnnl::engine engine_;
  mutable std::mutex mutex_;
  mutable ReorderedWeights w_in_;
  mutable ReorderedWeights w_out_;
  mutable std::map<int64_t, std::shared_ptr<const Plan>> plans_;
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_onednn_dense_ff(const DenseFfWeights& weights) {
  try {
    return std::make_unique<OnednnDenseFf>(weights);
  } catch (const dnnl::error& error) {
    throw Error(std::string("oneDNN could not create a CPU engine: ") + error.what());
  }
}

}  // namespace ufb::ops

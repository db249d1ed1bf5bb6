// Dense feedforward on oneDNN matmul: layer 1 with its bias and GELU(erf) fused as a post-op,
// weights reordered once per batch size into the layout oneDNN picks for that shape.
#include <map>
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

PreparedMatmul prepare_matmul(const dnnl::engine& engine, dnnl::stream& stream, int64_t rows,
                              int64_t inner, int64_t cols, const float* weights, const float* bias,
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

  // The user's W [cols, inner] is W^T [inner, cols] in column-major ("ba") order.
  memory user_weights({{inner, cols}, kF32, Tag::ba}, engine, const_cast<float*>(weights));
  PreparedMatmul prepared{dnnl::matmul(pd), pd.src_desc(), pd.dst_desc(),
                          memory(pd.weights_desc(), engine), memory()};
  dnnl::reorder(user_weights, prepared.weights).execute(stream, user_weights, prepared.weights);
  if (bias) prepared.bias = memory(bias_desc, engine, const_cast<float*>(bias));
  stream.wait();
  return prepared;
}

class OnednnDenseFf final : public DenseFfKernel {
 public:
  explicit OnednnDenseFf(const DenseFfWeights& weights)
      : DenseFfKernel(weights), engine_(dnnl::engine::kind::cpu, 0) {}

 private:
  struct Plan {
    PreparedMatmul layer_in;
    PreparedMatmul layer_out;
  };

  void run(const float* x, int64_t batch, float* y) const override {
    dnnl::stream stream(engine_);
    const Plan& plan = plan_for(batch, stream);
    std::vector<float> activation(batch * shape().width);
    plan.layer_in.execute(stream, engine_, x, activation.data());
    plan.layer_out.execute(stream, engine_, activation.data(), y);
    stream.wait();
  }

  // Primitive creation and weight reordering cost milliseconds, so they happen once per batch size.
  const Plan& plan_for(int64_t batch, dnnl::stream& stream) const {
    std::lock_guard lock(mutex_);
    auto found = plans_.find(batch);
    if (found != plans_.end()) return found->second;
    const auto [hidden, width] = shape();
    const DenseFfWeights& w = weights();
    Plan plan{prepare_matmul(engine_, stream, batch, hidden, width, w.w_in.data(),
                             w.b_in.empty() ? nullptr : w.b_in.data(), true),
              prepare_matmul(engine_, stream, batch, width, hidden, w.w_out.data(),
                             w.b_out.empty() ? nullptr : w.b_out.data(), false)};
    return plans_.emplace(batch, std::move(plan)).first->second;
  }

  dnnl::engine engine_;
  mutable std::mutex mutex_;
  mutable std::map<int64_t, Plan> plans_;
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

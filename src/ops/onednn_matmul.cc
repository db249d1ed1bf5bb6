#include "onednn_matmul.h"

#include <string>
#include <unordered_map>

#include "ufb/error.h"

namespace ufb::ops {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr memory::data_type kF32 = memory::data_type::f32;

dnnl::engine cpu_engine() {
  try {
    return dnnl::engine(dnnl::engine::kind::cpu, 0);
  } catch (const dnnl::error& error) {
    throw Error(std::string("oneDNN could not create a CPU engine: ") + error.what());
  }
}

dnnl::algorithm eltwise_algorithm(Activation activation) {
  switch (activation) {
    case Activation::gelu_erf: return dnnl::algorithm::eltwise_gelu_erf;
    case Activation::gelu_tanh: return dnnl::algorithm::eltwise_gelu_tanh;
    case Activation::relu: return dnnl::algorithm::eltwise_relu;
  }
  throw Error("oneDNN matmul: unknown activation");
}

}  // namespace

struct OnednnMatmul::Plan {
  dnnl::matmul primitive;
  memory::desc src_desc;
  memory::desc dst_desc;
  memory weights;
  memory bias;
};

OnednnMatmul::OnednnMatmul(const float* weights, int64_t inner, int64_t cols, const float* bias,
                           MatmulOptions options)
    : engine_(cpu_engine()),
      weights_(weights),
      inner_(inner),
      cols_(cols),
      bias_(bias),
      options_(options) {}

memory OnednnMatmul::weights_in_layout(const memory::desc& layout, dnnl::stream& stream) const {
  for (const memory& copy : reordered_weights_) {
    if (copy.get_desc() == layout) return copy;
  }
  // The user's W [cols, inner] is W^T [inner, cols] in column-major ("ba") order.
  memory user_weights({{inner_, cols_}, kF32, Tag::ba}, engine_, const_cast<float*>(weights_));
  memory copy(layout, engine_);
  dnnl::reorder(user_weights, copy).execute(stream, user_weights, copy);
  stream.wait();
  reordered_weights_.push_back(copy);
  return copy;
}

std::shared_ptr<const OnednnMatmul::Plan> OnednnMatmul::plan_for(int64_t rows,
                                                                 dnnl::stream& stream) const {
  std::lock_guard lock(mutex_);
  auto found = plans_.find(rows);
  if (found != plans_.end()) return found->second;
  if (plans_.size() == kMaxPlans) plans_.erase(plans_.begin());
  const memory::desc src_desc({rows, inner_}, kF32, Tag::ab);
  const memory::desc any_weights_desc({inner_, cols_}, kF32, Tag::any);
  const memory::desc bias_desc = bias_ ? memory::desc({1, cols_}, kF32, Tag::ab) : memory::desc();
  const memory::desc dst_desc({rows, cols_}, kF32, Tag::ab);
  dnnl::post_ops post_ops;
  if (options_.activation) post_ops.append_eltwise(1.0f, eltwise_algorithm(*options_.activation), 0.0f, 0.0f);
  if (options_.accumulate) post_ops.append_sum(1.0f);
  dnnl::primitive_attr attributes;
  attributes.set_post_ops(post_ops);
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(src_desc, any_weights_desc, bias_desc, dst_desc), attributes, engine_);
  auto plan = std::make_shared<const Plan>(
      Plan{dnnl::matmul(pd), pd.src_desc(), pd.dst_desc(), weights_in_layout(pd.weights_desc(), stream),
           bias_ ? memory(bias_desc, engine_, const_cast<float*>(bias_)) : memory()});
  plans_.emplace(rows, plan);
  return plan;
}

void OnednnMatmul::run(const float* src, int64_t rows, float* dst) const {
  dnnl::stream stream(engine_);
  const std::shared_ptr<const Plan> plan = plan_for(rows, stream);
  memory src_memory(plan->src_desc, engine_, const_cast<float*>(src));
  memory dst_memory(plan->dst_desc, engine_, dst);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_memory},
                                          {DNNL_ARG_WEIGHTS, plan->weights},
                                          {DNNL_ARG_DST, dst_memory}};
  if (plan->bias) args.emplace(DNNL_ARG_BIAS, plan->bias);
  plan->primitive.execute(stream, args);
  stream.wait();
}

}  // namespace ufb::ops

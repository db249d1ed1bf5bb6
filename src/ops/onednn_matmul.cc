#include "onednn_matmul.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <unordered_map>

#include "int8_quantization.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
constexpr memory::data_type kF32 = memory::data_type::f32;

dnnl::algorithm eltwise_algorithm(Activation activation) {
  switch (activation) {
    case Activation::gelu_erf: return dnnl::algorithm::eltwise_gelu_erf;
    case Activation::gelu_tanh: return dnnl::algorithm::eltwise_gelu_tanh;
    case Activation::relu: return dnnl::algorithm::eltwise_relu;
  }
  throw Error("oneDNN matmul: unknown activation");
}

memory::data_type data_type(WeightType precision) {
  switch (precision) {
    case WeightType::f32: return kF32;
    case WeightType::bf16: return memory::data_type::bf16;
    case WeightType::int8: return memory::data_type::s8;
  }
  throw Error("oneDNN matmul: unknown precision");
}

}  // namespace

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine = [] {
    try {
      return dnnl::engine(dnnl::engine::kind::cpu, 0);
    } catch (const dnnl::error& error) {
      throw Error(std::string("oneDNN could not create a CPU engine: ") + error.what());
    }
  }();
  return engine;
}

struct OnednnMatmul::Plan {
  dnnl::matmul primitive;
  memory::desc src_desc;
  memory::desc dst_desc;
  memory weights;
  memory bias;
  std::optional<dnnl::reorder> to_bf16;             // bf16: src f32 → bf16
  std::optional<dnnl::eltwise_forward> activation;  // int8: after the dequantization
  // Each run's own scratchpads (see user_scratchpad), of each primitive above.
  memory::desc scratchpad;
  memory::desc to_bf16_scratchpad;
  memory::desc activation_scratchpad;
};

namespace {

// oneDNN's default scratchpad belongs to the primitive, so one primitive run by two threads at
// once shares it (wrong results, crashes); with user scratchpads every run passes its own.
dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr attributes;
  attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attributes;
}

}  // namespace

OnednnMatmul::OnednnMatmul(const float* weights, int64_t inner, int64_t cols, const float* bias,
                           MatmulOptions options)
    : engine_(cpu_engine()),
      weights_(weights),
      inner_(inner),
      cols_(cols),
      bias_(bias),
      options_(options) {
  if (options_.precision == WeightType::int8) {
    if (options_.activation && options_.accumulate) {
      throw Error("int8 matmul: an activation on a sum added to dst is not supported");
    }
    std::vector<int8_t> codes(cols * inner);
    weight_scales_ = quantize_weights(codes.data());
    column_offsets_.resize(cols);
    for (int64_t col = 0; col < cols; ++col) {
      const int8_t* column = codes.data() + col * inner;
      column_offsets_[col] = 128 * std::accumulate(column, column + inner, int32_t{0});
    }
  }
  // The weights are converted now, not at the first call, so that the caller may release the
  // originals (io::Checkpoint::release) as soon as the model is built.
  dnnl::stream stream(engine_);
  plan_for(kPreparedRows, stream);
}

memory OnednnMatmul::weights_in_layout(const memory::desc& layout, dnnl::stream& stream) const {
  for (const memory& copy : reordered_weights_) {
    if (copy.get_desc() == layout) return copy;
  }
  // The user's W [cols, inner] is W^T [inner, cols] in column-major ("ba") order; the reorder
  // converts f32 to bf16 where asked. int8 weights are quantized first, column by column (the
  // same scales each time a layout is made).
  const bool int8 = options_.precision == WeightType::int8;
  std::vector<int8_t> quantized(int8 ? cols_ * inner_ : 0);
  if (int8) quantize_weights(quantized.data());
  memory user_weights({{inner_, cols_}, int8 ? memory::data_type::s8 : kF32, Tag::ba}, engine_,
                      int8 ? static_cast<void*>(quantized.data()) : static_cast<void*>(const_cast<float*>(weights_)));
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
  const WeightType precision = options_.precision;
  const bool int8 = precision == WeightType::int8;
  // int8 sources are shifted to uint8 (quantize_row_int8_shifted): VNNI's native form.
  const memory::desc src_desc({rows, inner_}, int8 ? memory::data_type::u8 : data_type(precision), Tag::ab);
  const memory::desc any_weights_desc({inner_, cols_}, data_type(precision), Tag::any);
  // int8 adds the bias itself, after scaling the int32 sums.
  const memory::desc bias_desc =
      bias_ && !int8 ? memory::desc({1, cols_}, kF32, Tag::ab) : memory::desc();
  const memory::desc dst_desc({rows, cols_}, int8 ? memory::data_type::s32 : kF32, Tag::ab);
  dnnl::post_ops post_ops;
  if (!int8) {
    if (options_.activation) post_ops.append_eltwise(1.0f, eltwise_algorithm(*options_.activation), 0.0f, 0.0f);
    if (options_.accumulate) post_ops.append_sum(1.0f);
  }
  dnnl::primitive_attr attributes = user_scratchpad();
  attributes.set_post_ops(post_ops);
  const dnnl::matmul::primitive_desc pd(
      dnnl::matmul::desc(src_desc, any_weights_desc, bias_desc, dst_desc), attributes, engine_);
  auto plan = std::make_shared<Plan>(
      Plan{dnnl::matmul(pd), pd.src_desc(), pd.dst_desc(), weights_in_layout(pd.weights_desc(), stream),
           bias_ && !int8 ? memory(bias_desc, engine_, const_cast<float*>(bias_)) : memory(), std::nullopt,
           std::nullopt, pd.scratchpad_desc(), memory::desc(), memory::desc()});
  if (precision == WeightType::bf16) {
    const dnnl::reorder::primitive_desc reorder_pd(engine_, memory::desc({rows, inner_}, kF32, Tag::ab), engine_,
                                                   pd.src_desc(), user_scratchpad());
    plan->to_bf16 = dnnl::reorder(reorder_pd);
    plan->to_bf16_scratchpad = reorder_pd.scratchpad_desc();
  }
  if (int8 && options_.activation) {
    const memory::desc values({rows, cols_}, kF32, Tag::ab);
    const dnnl::eltwise_forward::primitive_desc eltwise_pd(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_inference, eltwise_algorithm(*options_.activation),
                                    values, 0.0f, 0.0f),
        user_scratchpad(), engine_);
    plan->activation = dnnl::eltwise_forward(eltwise_pd);
    plan->activation_scratchpad = eltwise_pd.scratchpad_desc();
  }
  plans_.emplace(rows, plan);
  return plan;
}

int64_t OnednnMatmul::held_bytes() const {
  std::lock_guard lock(mutex_);
  auto bytes = static_cast<int64_t>(weight_scales_.size() * sizeof(float) + column_offsets_.size() * sizeof(int32_t));
  for (const memory& copy : reordered_weights_) bytes += static_cast<int64_t>(copy.get_desc().get_size());
  return bytes;
}

std::vector<float> OnednnMatmul::quantize_weights(int8_t* codes) const {
  std::vector<float> scales(cols_);
#pragma omp parallel for schedule(static) if (cols_ * inner_ > 65536)
  for (int64_t col = 0; col < cols_; ++col) {
    scales[col] = quantize_row_int8(weights_ + col * inner_, inner_, codes + col * inner_);
  }
  return scales;
}

void OnednnMatmul::run(const float* src, int64_t rows, float* dst) const {
  dnnl::stream stream(engine_);
  const std::shared_ptr<const Plan> plan = plan_for(rows, stream);
  if (options_.precision == WeightType::int8) {
    run_int8(*plan, src, rows, dst, stream);
    return;
  }
  memory src_memory({{rows, inner_}, kF32, Tag::ab}, engine_, const_cast<float*>(src));
  if (plan->to_bf16) {
    memory converted(plan->src_desc, engine_);
    plan->to_bf16->execute(stream, {{DNNL_ARG_FROM, src_memory},
                                    {DNNL_ARG_TO, converted},
                                    {DNNL_ARG_SCRATCHPAD, memory(plan->to_bf16_scratchpad, engine_)}});
    src_memory = converted;
  }
  memory dst_memory(plan->dst_desc, engine_, dst);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, src_memory},
                                          {DNNL_ARG_WEIGHTS, plan->weights},
                                          {DNNL_ARG_DST, dst_memory},
                                          {DNNL_ARG_SCRATCHPAD, memory(plan->scratchpad, engine_)}};
  if (plan->bias) args.emplace(DNNL_ARG_BIAS, plan->bias);
  plan->primitive.execute(stream, args);
  stream.wait();
}

void OnednnMatmul::run_int8(const Plan& plan, const float* src, int64_t rows, float* dst,
                            dnnl::stream& stream) const {
  // Every element of these is written before it is read: zeroing them (std::vector) cost a
  // pass over rows x cols int32 per call, more than a third of a batch-8 BERT layer's int8 time.
  const auto quantized = std::make_unique_for_overwrite<uint8_t[]>(rows * inner_);
  const auto row_scales = std::make_unique_for_overwrite<float[]>(rows);
#pragma omp parallel for schedule(static) if (rows * inner_ > 65536)
  for (int64_t row = 0; row < rows; ++row) {
    row_scales[row] = quantize_row_int8_shifted(src + row * inner_, inner_, quantized.get() + row * inner_);
  }
  // Unless dst holds a residual to add to, oneDNN writes its int32 sums into dst itself (they
  // are as large) and they are scaled in place: a separate buffer the size of dst would be one
  // more to pass through the caches (at 1024 rows x 2304 columns, 6 % of the call).
  const auto own_sums = options_.accumulate ? std::make_unique_for_overwrite<int32_t[]>(rows * cols_) : nullptr;
  void* sums = options_.accumulate ? static_cast<void*>(own_sums.get()) : static_cast<void*>(dst);
  plan.primitive.execute(stream, {{DNNL_ARG_SRC, memory(plan.src_desc, engine_, quantized.get())},
                                  {DNNL_ARG_WEIGHTS, plan.weights},
                                  {DNNL_ARG_DST, memory(plan.dst_desc, engine_, sums)},
                                  {DNNL_ARG_SCRATCHPAD, memory(plan.scratchpad, engine_)}});
  stream.wait();
  // dst (=, or += for a residual) sum · s_row · s_col + bias, then the activation (layers with
  // one never accumulate).
  dequantize_rows(sums, rows, cols_, row_scales.get(), weight_scales_.data(), dst,
                  {.col_offsets = column_offsets_.data(), .bias = bias_, .accumulate = options_.accumulate});
  if (plan.activation) {
    const memory values({{rows, cols_}, kF32, Tag::ab}, engine_, dst);
    plan.activation->execute(stream, {{DNNL_ARG_SRC, values},
                                      {DNNL_ARG_DST, values},
                                      {DNNL_ARG_SCRATCHPAD, memory(plan.activation_scratchpad, engine_)}});
    stream.wait();
  }
}

}  // namespace ufb::ops

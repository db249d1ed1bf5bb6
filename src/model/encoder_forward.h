#pragma once

// The encoder's forward pass (docs/model.md §2.1–2.4, and §5 for BERT's post-LayerNorm layers),
// written once (llm.c's gpt2_forward): inference runs it over a checkpoint's views with ops
// prepared on the model's device, the CPU or a GPU (src/model/encoder.cc); training over its
// parameters with the plain ops, in float or double, keeping what its backward pass needs and
// applying dropout.
// Every step that touches activations goes through the kernels, which is what lets the GPU's
// kernels keep them in device memory from the embedding to the final LayerNorm.

#include <chrono>
#include <cmath>
#include <cstdint>
#include <span>
#include <type_traits>
#include <vector>

#include "ufb/error.h"
#include "ufb/io/config.h"
#include "ufb/model/encoder.h"
#include "ufb/model/weights.h"
#include "ufb/ops/attention.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "ops/residual_add.h"

namespace ufb::model {

// A checkpoint view's values (training's parameters have their own values()).
inline std::span<const float> values(std::span<const float> tensor) { return tensor; }

// What a forward pass keeps for the backward pass. Dropout scales are empty where it is off.
// `input` is the layer's input and `mid` the sum after the attention's residual in both norm
// schemes; pre-LN: normed1 = LN1(input) feeds the projections and normed2 = LN2(mid) the
// feedforward; post-LN (BERT): normed1 = LN1(mid) feeds the feedforward and sum2 = normed1 +
// FF(normed1) is LN2's input (normed2 stays empty).
template <class T, class FeedforwardState, class Buffer = std::vector<T>>
struct LayerState {
  Buffer input, normed1, qkv, context, mid, normed2, sum2;
  ops::LayerNormStats stats1, stats2;
  ops::AttentionState<T> attention;
  std::vector<T> attention_dropout, attention_output_dropout, feedforward_dropout;
  FeedforwardState feedforward;
};

template <class T, class FeedforwardState, class Buffer = std::vector<T>>
struct EncoderState {
  Buffer embedded;  // before the embedding LayerNorm
  ops::LayerNormStats embedding_stats;
  std::vector<T> embedding_dropout;
  std::vector<LayerState<T, FeedforwardState, Buffer>> layers;
  Buffer before_final_norm;
  ops::LayerNormStats final_stats;
};

// Stable values: they key training's random streams, and so its checkpoints' continuations.
enum class DropoutSite { embedding = 0, attention = 1, attention_output = 2, feedforward = 3 };

// Where a training forward pass gets its dropout scales: [rows, hidden] for the hidden-state
// sites, the attention probabilities' layout for `attention`; empty where dropout is off.
template <class T>
class DropoutSource {
 public:
  virtual ~DropoutSource() = default;
  virtual std::vector<T> scales(DropoutSite site, int64_t layer) const = 0;
};

// Adds the time from its construction to its destruction to one stage of a profile, if any.
class StageTimer {
 public:
  StageTimer(EncoderProfile* profile, EncoderProfile::Stage stage)
      : profile_(profile), stage_(stage) {
    if (profile_) start_ = std::chrono::steady_clock::now();
  }
  ~StageTimer() {
    if (!profile_) return;
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start_;
    profile_->seconds[stage_] += elapsed.count();
  }
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  EncoderProfile* profile_;
  EncoderProfile::Stage stage_;
  std::chrono::steady_clock::time_point start_;
};

enum class Projection { query_key_value, attention_output };

// Activations in host memory, and the forward pass's element-wise steps on them: what
// training's kernels run (inference runs the device's ops, src/model/encoder.cc).
template <class T>
struct HostActivations {
  using Buffer = std::vector<T>;

  Buffer buffer(size_t size) const { return Buffer(size); }

  // y = LayerNorm(x) over rows of the weight's width (ops::layer_norm's contract).
  template <class Tensor>
  void layer_norm(const Tensor& weight, const Tensor& bias, double eps, std::span<const T> x,
                  int64_t rows, std::span<T> y, ops::LayerNormStats* stats) const {
    ops::layer_norm(x, rows, values(weight), values(bias), eps, y, stats);
  }

  // x += update (the residual connections).
  void add(std::span<T> x, std::span<const T> update) const { ops::residual_add(x, update); }

  // A copy in host memory (traces).
  std::vector<T> to_host(std::span<const T> x) const { return {x.begin(), x.end()}; }
};

// The attention's score scale of a layer: crammedBERT stores it; BERT divides by √head_dim.
template <class T, class Tensor>
T score_scale(const io::ModelConfig& config, const LayerWeights<Tensor>& layer) {
  return config.architecture == io::Architecture::kCrammedBert
             ? static_cast<T>(values(layer.score_scale)[0])
             : static_cast<T>(1.0 / std::sqrt(static_cast<double>(config.head_dim())));
}

// One forward pass over `rows` packed rows (`sequences` says which belong to which sequence).
// `kernels` runs what callers run differently (HostActivations has the host's last four):
//   using Scalar = T;  using FeedforwardState = ...;
//   using Buffer = ...;  // activations: resize(n), size(), viewed as std::span<T> (of device
//                        // memory on a GPU), copied by assignment
//   Buffer buffer(size_t n) const;
//   void embed(std::span<T> x) const;                 // x [rows, hidden]
//   void project(Projection, int64_t layer, std::span<const T> x, std::span<T> y,
//                ops::LinearOutput output) const;   // with the layer's bias, if any
//   void feedforward(int64_t layer, std::span<const T> x, std::span<T> y,
//                    std::span<int32_t> leaves, FeedforwardState* state) const;
//   void attend(std::span<const T> qkv, const ops::AttentionShape&, T score_scale,
//               std::span<const ops::AttentionSequence>, std::span<T> context,
//               ops::AttentionState<T>* state) const;  // ops::self_attention's contract
//   void layer_norm(const Tensor& weight, const Tensor& bias, double eps, std::span<const T> x,
//                   int64_t rows, std::span<T> y, ops::LayerNormStats* stats) const;
//   void add(std::span<T> x, std::span<const T> update) const;  // x += update
//   std::vector<T> to_host(std::span<const T> x) const;
// `leaves`, when not empty, is host memory. Returns the final hidden states [rows, hidden].
// With `state` what the backward pass needs is kept there and `dropout`, if any, applied (on the
// host: training's kernels); without, the pass runs as in evaluation. A profile gets each
// stage's time (of the host's view: queued device work counts where it is waited for); a trace
// (float only) the intermediate states.
template <class Tensor, class Kernels>
typename Kernels::Buffer encoder_forward(
    const io::ModelConfig& config, const ModelWeights<Tensor>& weights, const Kernels& kernels,
    std::span<const ops::AttentionSequence> sequences, int64_t rows,
    EncoderState<typename Kernels::Scalar, typename Kernels::FeedforwardState, typename Kernels::Buffer>* state = nullptr,
    const DropoutSource<typename Kernels::Scalar>* dropout = nullptr,
    EncoderProfile* profile = nullptr, EncoderTrace* trace = nullptr) {
  using T = typename Kernels::Scalar;
  using Buffer = typename Kernels::Buffer;
  using Stage = EncoderProfile::Stage;
  using Saved = LayerState<T, typename Kernels::FeedforwardState, Buffer>;
  constexpr bool kTraceable = std::is_same_v<T, float>;
  const int64_t hidden = config.hidden_size;
  const bool fff = config.intermed_type == io::FeedforwardKind::kFastFeedforward;
  const ops::AttentionShape attention_shape{config.attention.num_attention_heads,
                                            hidden / config.attention.num_attention_heads};
  if (!state) dropout = nullptr;
  const bool post_norm = config.norm_scheme == io::NormScheme::kPost;
  const auto normalize = [&](const Tensor& weight, const Tensor& bias, std::span<const T> x,
                             std::span<T> y, ops::LayerNormStats* stats) {
    StageTimer timer(profile, Stage::kLayerNorm);
    kernels.layer_norm(weight, bias, config.norm_eps, x, rows, y, stats);
  };
  // x *= scales, where there are any (dropout: training, on the host).
  const auto drop = [](std::span<T> x, const std::vector<T>& scales) {
    for (size_t i = 0; i < scales.size(); ++i) x[i] *= scales[i];
  };
  const auto add = [&](std::span<T> x, std::span<const T> update) {
    StageTimer timer(profile, Stage::kResidual);
    kernels.add(x, update);
  };

  Buffer x = kernels.buffer(rows * hidden);
  {
    Buffer& embedded = state ? state->embedded : x;
    embedded.resize(x.size());
    {
      StageTimer timer(profile, Stage::kEmbedding);
      kernels.embed(embedded);
    }
    if (config.embedding.normalization) {
      normalize(weights.embedding_norm_weight, weights.embedding_norm_bias, embedded, x,
                state ? &state->embedding_stats : nullptr);
    } else if (state) {
      x = embedded;
    }
  }
  if (state && dropout) {  // `state &&` tells GCC so: it warns of the null state otherwise
    state->embedding_dropout = dropout->scales(DropoutSite::embedding, -1);
    drop(x, state->embedding_dropout);
  }
  if constexpr (kTraceable) {
    if (trace) trace->embeddings = kernels.to_host(x);
  }

  Buffer normed = kernels.buffer(x.size());
  Buffer qkv = kernels.buffer(3 * x.size());
  Buffer update = kernels.buffer(x.size());
  if (state) state->layers.resize(weights.layers.size());
  const auto record_feedforward_input = [&](std::span<const T> input) {
    std::span<int32_t> leaves;
    if constexpr (kTraceable) {
      if (trace && fff) {
        trace->fff_inputs.push_back(kernels.to_host(input));
        leaves = trace->fff_leaves.emplace_back(rows * config.intermed_size);
      }
    }
    return leaves;
  };
  const auto record_layer_output = [&] {
    if constexpr (kTraceable) {
      if (trace) trace->layer_outputs.push_back(kernels.to_host(x));
    }
  };
  // The attention sublayer: x += dropout(O · Attn(QKV · input)).
  const auto attend = [&](size_t i, std::span<const T> input, Saved* saved) {
    const LayerWeights<Tensor>& layer = weights.layers[i];
    Buffer& projected = saved ? saved->qkv : qkv;
    projected.resize(3 * x.size());
    {
      StageTimer timer(profile, Stage::kQkvProjection);
      kernels.project(Projection::query_key_value, i, input, projected, ops::LinearOutput::overwrite);
    }
    Buffer& context = saved ? saved->context : update;
    context.resize(x.size());
    if (dropout) {
      saved->attention_dropout = dropout->scales(DropoutSite::attention, i);
      saved->attention.dropout_scales = saved->attention_dropout;
    }
    {
      StageTimer timer(profile, Stage::kAttention);
      kernels.attend(std::span<const T>(projected), attention_shape, score_scale<T>(config, layer),
                     sequences, context, saved ? &saved->attention : nullptr);
    }
    std::vector<T> output_dropout = dropout ? dropout->scales(DropoutSite::attention_output, i)
                                            : std::vector<T>();
    if (output_dropout.empty()) {
      StageTimer timer(profile, Stage::kOutputProjection);
      kernels.project(Projection::attention_output, i, context, x, ops::LinearOutput::accumulate);
    } else {
      kernels.project(Projection::attention_output, i, context, normed, ops::LinearOutput::overwrite);
      drop(normed, output_dropout);
      add(x, normed);
    }
    if (saved) {
      saved->attention_output_dropout = std::move(output_dropout);
      saved->mid = x;
    }
  };
  // The feedforward sublayer's branch: update = dropout(FF(input)).
  const auto feed = [&](size_t i, std::span<const T> input, Saved* saved) {
    const std::span<int32_t> leaves = record_feedforward_input(input);
    {
      StageTimer timer(profile, Stage::kFeedforward);
      kernels.feedforward(i, input, update, leaves, saved ? &saved->feedforward : nullptr);
    }
    if (dropout) {
      saved->feedforward_dropout = dropout->scales(DropoutSite::feedforward, i);
      drop(update, saved->feedforward_dropout);
    }
  };
  for (size_t i = 0; i < weights.layers.size(); ++i) {
    const LayerWeights<Tensor>& layer = weights.layers[i];
    auto* saved = state ? &state->layers[i] : nullptr;
    if (saved) saved->input = x;
    Buffer& normed1 = saved ? saved->normed1 : normed;
    normed1.resize(x.size());
    if (post_norm) {
      // BERT: x = LN1(x + O·Attn(x)); x = LN2(x + FF(x)).
      attend(i, x, saved);
      normalize(layer.norm1_weight, layer.norm1_bias, x, normed1, saved ? &saved->stats1 : nullptr);
      feed(i, normed1, saved);
      Buffer& sum = saved ? saved->sum2 : normed1;  // without a state: in place
      if (saved) sum = normed1;
      add(sum, update);
      normalize(layer.norm2_weight, layer.norm2_bias, sum, x, saved ? &saved->stats2 : nullptr);
      record_layer_output();
      continue;
    }
    normalize(layer.norm1_weight, layer.norm1_bias, x, normed1, saved ? &saved->stats1 : nullptr);
    attend(i, normed1, saved);
    Buffer& normed2 = saved ? saved->normed2 : normed;
    normed2.resize(x.size());
    normalize(layer.norm2_weight, layer.norm2_bias, x, normed2, saved ? &saved->stats2 : nullptr);
    feed(i, normed2, saved);
    add(x, update);
    record_layer_output();
  }
  if (config.final_norm) {
    Buffer& before = state ? state->before_final_norm : x;
    if (state) before = x;
    normalize(weights.final_norm_weight, weights.final_norm_bias, before, x,
              state ? &state->final_stats : nullptr);
  }
  return x;
}

}  // namespace ufb::model

#include "ufb/model/encoder.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "feedforward.h"
#include "ufb/error.h"
#include "ufb/ops/embedding.h"
#include "ufb/ops/layer_norm.h"
#include "ufb/ops/linear.h"

namespace ufb::model {
namespace {

// A bias-free projection of the hidden state (MODEL.md §2: no biases outside the norms).
ops::LinearWeights<float> projection(const io::ModelConfig& config,
                                     std::span<const float> weight, int64_t out_features) {
  return {config.hidden_size, out_features, weight, {}};
}

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

}  // namespace

std::string_view EncoderProfile::stage_name(Stage stage) {
  switch (stage) {
    case kEmbedding: return "embedding";
    case kLayerNorm: return "layer_norm";
    case kQkvProjection: return "qkv_projection";
    case kAttention: return "attention";
    case kOutputProjection: return "output_projection";
    case kFeedforward: return "feedforward";
    case kResidual: return "residual";
    case kStageCount: break;
  }
  return "?";
}

double EncoderProfile::total_seconds() const {
  double total = 0;
  for (const double stage : seconds) total += stage;
  return total;
}

struct Encoder::Layer {
  Norm norm1;
  Norm norm2;
  ops::PreparedLinear query_key_value;
  float score_scale;
  ops::PreparedLinear output_projection;  // adds into the residual stream
  Feedforward feedforward;
};

Encoder::Encoder(const io::Checkpoint& checkpoint, const ModelOptions& options)
    : config_(&checkpoint.config()),
      hidden_(config_->hidden_size),
      attention_shape_{config_->attention.num_attention_heads,
                       hidden_ / config_->attention.num_attention_heads},
      weights_(view_weights(checkpoint)) {
  const WeightViews& w = weights_;
  if (config_->embedding.pos_embedding == io::PositionEmbedding::kScaledSinusoidal) {
    sinusoidal_ = ops::sinusoidal_positions(config_->embedding.max_seq_length, hidden_);
    positions_ = sinusoidal_;
    position_scale_ = w.position_scale[0];
  } else {
    positions_ = w.learned_positions;
  }
  if (config_->embedding.normalization) embedding_norm_ = {w.embedding_norm_weight, w.embedding_norm_bias};
  if (config_->final_norm) final_norm_ = {w.final_norm_weight, w.final_norm_bias};
  layers_.reserve(config_->num_transformer_layers);
  for (const LayerWeights<std::span<const float>>& layer : w.layers) {
    layers_.push_back(Layer{
        {layer.norm1_weight, layer.norm1_bias}, {layer.norm2_weight, layer.norm2_bias},
        ops::PreparedLinear(projection(*config_, layer.qkv_weight, 3 * hidden_), ops::LinearOutput::overwrite),
        layer.score_scale[0],
        ops::PreparedLinear(projection(*config_, layer.attention_output_weight, hidden_),
                            ops::LinearOutput::accumulate),
        Feedforward(*config_, layer, options.fff_weight_type)});
  }
}

Encoder::~Encoder() = default;
Encoder::Encoder(Encoder&&) noexcept = default;
Encoder& Encoder::operator=(Encoder&&) noexcept = default;

void Encoder::normalize(const Norm& norm, std::span<const float> x, int64_t rows,
                        std::span<float> y) const {
  ops::layer_norm(x, rows, norm.weight, norm.bias, config_->norm_eps, y);
}

void Encoder::embed(const PaddedBatch& batch, std::span<const ops::AttentionSequence> sequences,
                    std::span<float> x) const {
  for (int64_t b = 0; b < batch.size; ++b) {
    const ops::AttentionSequence& sequence = sequences[b];
    ops::embed_sequence(weights_.word_embedding, hidden_, batch.row(b).first(sequence.rows), positions_,
                        position_scale_,
                        x.subspan(sequence.first_row * hidden_, sequence.rows * hidden_));
  }
}

// The buffers one forward pass reuses across layers, all [rows, ...] in packed row order.
struct Encoder::Activations {
  Activations(int64_t rows, int64_t hidden)
      : rows(rows), x(rows * hidden), normed(x.size()), qkv(3 * x.size()), update(x.size()) {}

  int64_t rows;
  std::vector<float> x;       // the residual stream
  std::vector<float> normed;  // a norm's output
  std::vector<float> qkv;
  std::vector<float> update;  // the attention context, then the feedforward output
};

void Encoder::forward_layer(const Layer& layer, std::span<const ops::AttentionSequence> sequences,
                            Activations& a, EncoderTrace* trace, EncoderProfile* profile) const {
  using Stage = EncoderProfile::Stage;
  {
    StageTimer timer(profile, Stage::kLayerNorm);
    normalize(layer.norm1, a.x, a.rows, a.normed);
  }
  {
    StageTimer timer(profile, Stage::kQkvProjection);
    layer.query_key_value.forward(a.normed, a.rows, a.qkv);
  }
  {
    StageTimer timer(profile, Stage::kAttention);
    ops::self_attention(a.qkv, attention_shape_, layer.score_scale, sequences, a.update);
  }
  {
    StageTimer timer(profile, Stage::kOutputProjection);
    layer.output_projection.forward(a.update, a.rows, a.x);
  }
  {
    StageTimer timer(profile, Stage::kLayerNorm);
    normalize(layer.norm2, a.x, a.rows, a.normed);
  }
  std::span<int32_t> leaves;
  if (trace && layer.feedforward.is_fff()) {
    trace->fff_inputs.push_back(a.normed);
    leaves = trace->fff_leaves.emplace_back(a.rows * layer.feedforward.trees());
  }
  {
    StageTimer timer(profile, Stage::kFeedforward);
    layer.feedforward.forward(a.normed, a.rows, a.update, leaves);
  }
  {
    StageTimer timer(profile, Stage::kResidual);
    std::vector<float>& x = a.x;
    const std::vector<float>& update = a.update;
#pragma omp parallel for schedule(static) if (x.size() > 65536)
    for (size_t i = 0; i < x.size(); ++i) x[i] += update[i];
  }
  if (trace) trace->layer_outputs.push_back(a.x);
}

HiddenStates Encoder::forward(const PaddedBatch& batch, PaddingRows padding,
                              EncoderTrace* trace, EncoderProfile* profile) const {
  if (trace && padding != PaddingRows::compute) {
    throw Error("a traced forward pass computes padding rows too (PaddingRows::compute)");
  }
  // Activations are packed: each sequence's computed rows follow the previous sequence's.
  std::vector<ops::AttentionSequence> sequences;
  int64_t rows = 0;
  for (int64_t b = 0; b < batch.size; ++b) {
    const int64_t computed = padding == PaddingRows::compute ? batch.length : batch.lengths[b];
    sequences.push_back({rows, computed, batch.lengths[b]});
    rows += computed;
  }

  Activations activations(rows, hidden_);
  std::vector<float>& x = activations.x;
  {
    StageTimer timer(profile, EncoderProfile::kEmbedding);
    embed(batch, sequences, x);
  }
  if (!embedding_norm_.weight.empty()) {
    StageTimer timer(profile, EncoderProfile::kLayerNorm);
    normalize(embedding_norm_, x, rows, x);
  }
  if (trace) trace->embeddings = x;
  for (const Layer& layer : layers_) forward_layer(layer, sequences, activations, trace, profile);
  if (!final_norm_.weight.empty()) {
    StageTimer timer(profile, EncoderProfile::kLayerNorm);
    normalize(final_norm_, x, rows, x);
  }

  HiddenStates states{batch.size, batch.length, hidden_,
                      std::vector<float>(batch.size * batch.length * hidden_, 0.0f),
                      batch.attention_mask()};
  for (int64_t b = 0; b < batch.size; ++b) {
    const ops::AttentionSequence& sequence = sequences[b];
    std::copy_n(x.begin() + sequence.first_row * hidden_, sequence.rows * hidden_,
                states.values.begin() + b * batch.length * hidden_);
  }
  return states;
}

}  // namespace ufb::model

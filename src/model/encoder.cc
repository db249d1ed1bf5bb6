#include "ufb/model/encoder.h"

#include <algorithm>
#include <string>

#include "feedforward.h"
#include "model/device_encoder.h"
#include "model/packed_qkv.h"
#include "ufb/error.h"
#include "model/encoder_forward.h"
#include "ops/embedding.h"
#include "ops/linear.h"
#include "ops/quantized_attention.h"

namespace ufb::model {
namespace {

// The matrices the layers' kernels copy into their own layout and precision; every other tensor
// is read in place from the checkpoint.
bool held_by_kernel(io::TensorRole role) {
  using Role = io::TensorRole;
  switch (role) {
    case Role::kQkvWeight:
    case Role::kQueryWeight:
    case Role::kKeyWeight:
    case Role::kValueWeight:
    case Role::kAttentionOutputWeight:
    case Role::kDenseInWeight:
    case Role::kDenseOutWeight:
    case Role::kFffInWeight:
    case Role::kFffOutWeight: return true;
    default: return false;
  }
}

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

// The projections and feedforward of one layer, prepared once for every forward pass. The
// prepared projections write as a forward pass without dropout asks: the QKV projection
// overwrites, the output projection adds into the residual stream.
struct Encoder::Layer {
  std::unique_ptr<const PackedQkv> packed_qkv;  // BERT only; the projection reads it
  ops::PreparedLinear query_key_value;
  ops::PreparedLinear output_projection;
  Feedforward feedforward;
};

// What the shared forward pass runs on an inference batch on the CPU.
struct Encoder::Kernels : HostActivations<float> {
  using Scalar = float;
  struct FeedforwardState {};  // inference keeps nothing for a backward pass

  const Encoder& encoder;
  const PaddedBatch& batch;
  std::span<const ops::AttentionSequence> sequences;

  void embed(std::span<float> x) const { encoder.embed(batch, sequences, x); }

  void project(Projection projection, int64_t layer, std::span<const float> x,
               std::span<float> y, ops::LinearOutput) const {
    const Layer& prepared = encoder.layers_[layer];
    const int64_t rows = static_cast<int64_t>(x.size()) / encoder.hidden_;
    (projection == Projection::query_key_value ? prepared.query_key_value
                                               : prepared.output_projection)
        .forward(x, rows, y);
  }

  void feedforward(int64_t layer, std::span<const float> x, std::span<float> y,
                   std::span<int32_t> leaves, FeedforwardState*) const {
    const int64_t rows = static_cast<int64_t>(x.size()) / encoder.hidden_;
    encoder.layers_[layer].feedforward.forward(x, rows, y, leaves);
  }

  void attend(std::span<const float> qkv, const ops::AttentionShape& shape, float score_scale,
              std::span<const ops::AttentionSequence> attended, std::span<float> context,
              ops::AttentionState<float>*) const {
    if (encoder.dtype_ == ops::WeightType::int8) {
      ops::self_attention_int8(qkv, shape, score_scale, attended, context);
    } else {
      ops::self_attention(qkv, shape, score_scale, attended, context);
    }
  }
};

Encoder::Encoder(const io::Checkpoint& checkpoint, const ModelOptions& options)
    : config_(&checkpoint.config()),
      hidden_(config_->hidden_size),
      dtype_(options.dtype),
      weights_(view_weights(checkpoint)) {
  const WeightViews& w = weights_;
  if (config_->embedding.pos_embedding == io::PositionEmbedding::kScaledSinusoidal) {
    sinusoidal_ = ops::sinusoidal_positions(config_->embedding.max_seq_length, hidden_);
    positions_ = sinusoidal_;
    position_scale_ = w.position_scale[0];
  } else {
    positions_ = w.learned_positions;
  }
  using Role = io::TensorRole;
  if (options.device.is_cuda()) {
    device_encoder_ = make_cuda_encoder(*config_, weights_, options);
    for (const io::ExpectedTensor& tensor : weights_.table()) {
      if (held_by_kernel(tensor.role)) checkpoint.release(tensor.name);
    }
    return;
  }
  layers_.reserve(config_->num_transformer_layers);
  // Each matrix's file pages are released as soon as its kernel holds its own copy, so that
  // loading never holds two copies of more than one matrix (they read back if touched).
  const auto release = [&](int64_t layer, std::initializer_list<io::TensorRole> roles) {
    for (const io::ExpectedTensor& tensor : weights_.table()) {
      if (tensor.layer == layer && held_by_kernel(tensor.role) &&
          std::find(roles.begin(), roles.end(), tensor.role) != roles.end()) {
        checkpoint.release(tensor.name);
      }
    }
  };
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights<std::span<const float>>& layer = w.layers[i];
    const auto index = static_cast<int64_t>(i);
    auto packed = config_->architecture == io::Architecture::kBert
                      ? std::make_unique<const PackedQkv>(*config_, layer)
                      : nullptr;
    ops::PreparedLinear qkv(query_key_value_weights(*config_, layer, packed.get()), ops::LinearOutput::overwrite,
                            options.dtype);
    release(index, {Role::kQkvWeight, Role::kQueryWeight, Role::kKeyWeight, Role::kValueWeight});
    ops::PreparedLinear output({hidden_, hidden_, layer.attention_output_weight, layer.attention_output_bias},
                               ops::LinearOutput::accumulate, options.dtype);
    release(index, {Role::kAttentionOutputWeight});
    Feedforward feedforward(*config_, layer, options.dtype);
    release(index, {Role::kDenseInWeight, Role::kDenseOutWeight, Role::kFffInWeight, Role::kFffOutWeight});
    layers_.push_back(Layer{std::move(packed), std::move(qkv), std::move(output), std::move(feedforward)});
  }
}

int64_t Encoder::weight_bytes(const io::Checkpoint& checkpoint) const {
  int64_t bytes = device_encoder_ ? device_encoder_->weight_bytes() : 0;
  for (const Layer& layer : layers_) {
    bytes += layer.query_key_value.held_bytes() + layer.output_projection.held_bytes() + layer.feedforward.held_bytes();
    if (layer.packed_qkv) {
      bytes += static_cast<int64_t>((layer.packed_qkv->weight.size() + layer.packed_qkv->bias.size()) * sizeof(float));
    }
  }
  for (const io::ExpectedTensor& tensor : weights_.table()) {
    if (!held_by_kernel(tensor.role)) bytes += static_cast<int64_t>(checkpoint.tensor(tensor.name).values.size_bytes());
  }
  return bytes;
}

Encoder::~Encoder() = default;
Encoder::Encoder(Encoder&&) noexcept = default;
Encoder& Encoder::operator=(Encoder&&) noexcept = default;

void Encoder::embed(const PaddedBatch& batch, std::span<const ops::AttentionSequence> sequences,
                    std::span<float> x) const {
  for (int64_t b = 0; b < batch.size; ++b) {
    const ops::AttentionSequence& sequence = sequences[b];
    const std::span<const int32_t> types =
        batch.type_ids.empty()
            ? std::span<const int32_t>()
            : std::span<const int32_t>(batch.type_ids).subspan(b * batch.length, sequence.rows);
    ops::embed_sequence(weights_.word_embedding, hidden_, batch.row(b).first(sequence.rows), positions_,
                        position_scale_,
                        x.subspan(sequence.first_row * hidden_, sequence.rows * hidden_),
                        weights_.token_type_embedding, types);
  }
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
  std::vector<float> x;
  if (device_encoder_) {
    std::vector<float> embedded(rows * hidden_);
    {
      StageTimer timer(profile, EncoderProfile::kEmbedding);
      embed(batch, sequences, embedded);
    }
    x = device_encoder_->forward(embedded, sequences, trace, profile);
  } else {
    x = encoder_forward(*config_, weights_, Kernels{{}, *this, batch, sequences}, sequences, rows, nullptr,
                        nullptr, profile, trace);
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

#include "ufb/model/encoder.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>

#include "feedforward.h"
#include "model/encoder_forward.h"
#include "model/packed_qkv.h"
#include "ops/device_ops.h"
#include "ops/embedding.h"
#include "ops/linear.h"
#include "ufb/error.h"

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

// A weight the forward pass reads itself: its checkpoint view (the score scale is read there)
// and, for the LayerNorms' weights and biases, where the encoder's device reads them (the view
// itself on the CPU, an uploaded copy on a GPU).
struct DeviceTensor {
  std::span<const float> host;
  std::shared_ptr<const float> on_device;  // null: not a LayerNorm's

  std::span<const float> device_values() const { return {on_device.get(), on_device ? host.size() : 0}; }
};

std::span<const float> values(const DeviceTensor& tensor) { return tensor.host; }

bool read_on_device(io::TensorRole role) {
  using Role = io::TensorRole;
  switch (role) {
    case Role::kEmbeddingNormWeight:
    case Role::kEmbeddingNormBias:
    case Role::kNorm1Weight:
    case Role::kNorm1Bias:
    case Role::kNorm2Weight:
    case Role::kNorm2Bias:
    case Role::kFinalNormWeight:
    case Role::kFinalNormBias: return true;
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

// The projections and feedforward of one layer, prepared once on the encoder's device for every
// forward pass. The prepared projections write as a forward pass without dropout asks: the QKV
// projection overwrites, the output projection adds into the residual stream.
struct Encoder::Layer {
  std::unique_ptr<const PackedQkv> packed_qkv;  // BERT only; a CPU projection reads it
  std::unique_ptr<ops::PreparedLinear> query_key_value;
  std::unique_ptr<ops::PreparedLinear> output_projection;
  Feedforward feedforward;
};

// The device's ops and the weights the forward pass reads there.
struct Encoder::OnDevice {
  std::unique_ptr<ops::DeviceOps> ops;
  ModelWeights<DeviceTensor> tensors;
  // A GPU's ops keep scratch (the memory pool) that passes share: one pass at a time there.
  // CPU passes run side by side.
  std::mutex gpu_pass;
};

// What the shared forward pass runs on an inference batch, on the encoder's device: the
// prepared layers and the device's ops. Spans are of the device's memory, except `leaves`.
struct Encoder::Kernels {
  using Scalar = float;
  struct FeedforwardState {};  // inference keeps nothing for a backward pass
  using Buffer = ops::ActivationBuffer;

  const Encoder& encoder;
  const ops::DeviceOps& ops;
  const PaddedBatch& batch;
  std::span<const ops::AttentionSequence> sequences;
  // With a profile: wait for the device after each step (a GPU's queued work), so that the stage
  // timers see its time.
  bool wait_each_step = false;

  int64_t rows_of(std::span<const float> x) const { return static_cast<int64_t>(x.size()) / encoder.hidden_; }
  void finish_step() const {
    if (wait_each_step) ops.synchronize();
  }

  Buffer buffer(size_t size) const { return Buffer(ops, size); }

  // The lookups run on the host; a GPU gets the rows.
  void embed(std::span<float> x) const {
    if (!ops.device().is_cuda()) return encoder.embed(batch, sequences, x);
    std::vector<float> embedded(x.size());
    encoder.embed(batch, sequences, embedded);
    ops.copy(x.data(), embedded.data(), x.size_bytes(), ops::CopyKind::host_to_device);
  }

  void project(Projection projection, int64_t layer, std::span<const float> x, std::span<float> y,
               ops::LinearOutput) const {
    const Layer& prepared = encoder.layers_[layer];
    (projection == Projection::query_key_value ? *prepared.query_key_value : *prepared.output_projection)
        .forward(x, rows_of(x), y);
    finish_step();
  }

  void feedforward(int64_t layer, std::span<const float> x, std::span<float> y, std::span<int32_t> leaves,
                   FeedforwardState*) const {
    const Feedforward& feedforward = encoder.layers_[layer].feedforward;
    if (leaves.empty() || !ops.device().is_cuda()) {
      feedforward.forward(x, rows_of(x), y, leaves);
    } else {
      const std::shared_ptr<void> on_device = ops.allocate(leaves.size_bytes());
      feedforward.forward(x, rows_of(x), y, {static_cast<int32_t*>(on_device.get()), leaves.size()});
      ops.copy(leaves.data(), on_device.get(), leaves.size_bytes(), ops::CopyKind::device_to_host);
    }
    finish_step();
  }

  void attend(std::span<const float> qkv, const ops::AttentionShape& shape, float score_scale,
              std::span<const ops::AttentionSequence> attended, std::span<float> context,
              ops::AttentionState<float>*) const {
    ops.self_attention(qkv, shape, score_scale, attended, context);
    finish_step();
  }

  void layer_norm(const DeviceTensor& weight, const DeviceTensor& bias, double eps, std::span<const float> x,
                  int64_t rows, std::span<float> y, ops::LayerNormStats*) const {
    ops.layer_norm(x, rows, weight.device_values(), bias.device_values(), eps, y);
    finish_step();
  }

  void add(std::span<float> x, std::span<const float> update) const {
    ops.add(x, update);
    finish_step();
  }

  std::vector<float> to_host(std::span<const float> x) const { return ops.to_host(x); }
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
  const Device& device = options.device;
  const ops::AttentionShape attention{config_->attention.num_attention_heads, config_->head_dim()};
  on_device_.reset(new OnDevice{ops::make_device_ops(device, options.dtype, attention),
                                ModelWeights<DeviceTensor>(*config_, io::ModelHead::kNone, 0, false), {}});
  on_device_->tensors.for_each_tensor([&](const io::ExpectedTensor& tensor, DeviceTensor& field) {
    field.host = weights_.field(tensor.role, tensor.layer);
    if (read_on_device(tensor.role)) field.on_device = on_device_->ops->upload(field.host);
  });
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
  using Role = io::TensorRole;
  for (size_t i = 0; i < w.layers.size(); ++i) {
    const LayerWeights<std::span<const float>>& layer = w.layers[i];
    const auto index = static_cast<int64_t>(i);
    auto packed = config_->architecture == io::Architecture::kBert
                      ? std::make_unique<const PackedQkv>(*config_, layer)
                      : nullptr;
    auto qkv = ops::make_prepared_linear(query_key_value_weights(*config_, layer, packed.get()),
                                         ops::LinearOutput::overwrite, options.dtype, device);
    // A GPU holds its copy: the packed host matrix is needed no longer.
    if (device.is_cuda()) packed.reset();
    release(index, {Role::kQkvWeight, Role::kQueryWeight, Role::kKeyWeight, Role::kValueWeight});
    auto output = ops::make_prepared_linear({hidden_, hidden_, layer.attention_output_weight, layer.attention_output_bias},
                                            ops::LinearOutput::accumulate, options.dtype, device);
    release(index, {Role::kAttentionOutputWeight});
    Feedforward feedforward(*config_, layer, options.dtype, device);
    release(index, {Role::kDenseInWeight, Role::kDenseOutWeight, Role::kFffInWeight, Role::kFffOutWeight});
    layers_.push_back(Layer{std::move(packed), std::move(qkv), std::move(output), std::move(feedforward)});
  }
}

int64_t Encoder::weight_bytes(const io::Checkpoint& checkpoint) const {
  int64_t bytes = 0;
  for (const Layer& layer : layers_) {
    bytes += layer.query_key_value->held_bytes() + layer.output_projection->held_bytes() + layer.feedforward.held_bytes();
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
  ops::DeviceOps& device_ops = *on_device_->ops;
  std::unique_lock<std::mutex> gpu_pass;
  if (device_ops.device().is_cuda()) gpu_pass = std::unique_lock(on_device_->gpu_pass);
  const Kernels kernels{*this, device_ops, batch, sequences, profile != nullptr};
  const ops::ActivationBuffer final_states = encoder_forward(*config_, on_device_->tensors, kernels, sequences, rows,
                                                             nullptr, nullptr, profile, trace);
  // The CPU's states are host memory already; a GPU's come back first.
  std::span<const float> x = final_states;
  std::vector<float> copied;
  if (device_ops.device().is_cuda()) {
    copied = device_ops.to_host(final_states);
    x = copied;
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

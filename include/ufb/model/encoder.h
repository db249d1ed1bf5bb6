#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <span>
#include <vector>

#include "ufb/device.h"
#include "ufb/io/checkpoint.h"
#include "ufb/model/token_batch.h"
#include "ufb/model/weights.h"
#include "ufb/ops/attention.h"
#include "ufb/ops/weight_type.h"

namespace ufb::model {

struct ModelOptions {
  // The precision the model runs in (ops/weight_type.h; docs/model.md §6). bf16: FFF weights,
  // the projections and dense feedforward layers in bfloat16 (their inputs rounded to it; sums
  // float32). int8: projections, dense and FFF layers in int8 (weights per output channel,
  // inputs per row) and the attention's two products (ops/quantized_attention.h). The
  // masked-LM decoder follows (Model). Embeddings, LayerNorm, softmax and the other heads stay
  // float32 in every precision.
  ops::WeightType dtype = ops::WeightType::f32;
  // Where the encoder runs (docs/cuda.md): on a GPU the layers run there in f32 or bf16, from
  // the embedding's output to the final hidden states; embedding lookups and heads stay on the
  // CPU.
  Device device;
};

// Whether padding positions are computed. Real positions never attend to padding: its keys get
// −10000, and exp(−10000 + a score difference) is exactly 0 in float32 for any score
// difference below ~9900, so real positions' states are the same either way. Only the `avg`
// pooler reads padding states.
enum class PaddingRows { skip, compute };

// Final hidden states of a padded batch.
struct HiddenStates {
  int64_t batch = 0;
  int64_t length = 0;
  int64_t hidden = 0;
  std::vector<float> values;  // [batch, length, hidden]; padding rows are 0 when skipped
  std::vector<int32_t> mask;  // [batch, length]: 1 for real tokens, 0 for padding

  std::span<const float> row(int64_t sequence, int64_t position) const {
    return std::span<const float>(values).subspan((sequence * length + position) * hidden, hidden);
  }
};

// What a traced forward pass records besides the final states (`ufb dump` writes it out). Each
// array covers every row of the padded batch, [B·S, ...] in batch order.
struct EncoderTrace {
  std::vector<float> embeddings;                  // [B·S, H], after the embedding norm
  std::vector<std::vector<float>> layer_outputs;  // per layer [B·S, H]: the residual stream
  // FFF models only, per layer: the tree input (norm2's output) [B·S, H] and the leaf each
  // token reached in each tree [B·S, trees], which fixes its path.
  std::vector<std::vector<float>> fff_inputs;
  std::vector<std::vector<int32_t>> fff_leaves;
};

// Wall-clock seconds an encoder spent in each stage, summed over the forward passes it was
// given to (`ufb bench model` reports the shares).
struct EncoderProfile {
  enum Stage { kEmbedding, kLayerNorm, kQkvProjection, kAttention, kOutputProjection,
               kFeedforward, kResidual, kStageCount };
  std::array<double, kStageCount> seconds{};

  static std::string_view stage_name(Stage stage);
  double total_seconds() const;
};

// The crammedBERT encoder (docs/model.md §2.1–2.4): embedding, pre-LayerNorm transformer layers,
// final LayerNorm. Holds views of the checkpoint's weights: the checkpoint must outlive it.
class Encoder {
 public:
  Encoder(const io::Checkpoint& checkpoint, const ModelOptions& options);
  ~Encoder();
  Encoder(Encoder&&) noexcept;
  Encoder& operator=(Encoder&&) noexcept;

  // With a trace (which needs PaddingRows::compute) the intermediate states are recorded too;
  // with a profile, the time of each stage is added to it.
  HiddenStates forward(const PaddedBatch& batch, PaddingRows padding,
                       EncoderTrace* trace = nullptr, EncoderProfile* profile = nullptr) const;

  // Views of the checkpoint's weights, the heads' included.
  const WeightViews& weights() const { return weights_; }
  // The precision it runs in (ModelOptions::dtype).
  ops::WeightType dtype() const { return dtype_; }

  // Bytes of weights the model holds: its kernels' copies in their layout and precision, plus
  // the checkpoint's tensors it reads in place (embeddings, norms, biases, heads; of a memory-
  // mapped file only the pages it touches become resident, so this bounds them from above).
  int64_t weight_bytes(const io::Checkpoint& checkpoint) const;

 private:
  struct Layer;
  struct OnDevice;
  struct Kernels;

  // Embeds the rows each sequence computes into x [rows, hidden] (packed, in batch order).
  void embed(const PaddedBatch& batch, std::span<const ops::AttentionSequence> sequences,
             std::span<float> x) const;

  const io::ModelConfig* config_;
  int64_t hidden_;
  ops::WeightType dtype_;
  WeightViews weights_;
  std::vector<float> sinusoidal_;       // empty for learned positions
  std::span<const float> positions_;    // [max_seq_length, hidden]
  float position_scale_ = 1.0f;
  std::vector<Layer> layers_;
  std::unique_ptr<OnDevice> on_device_;
};

}  // namespace ufb::model

#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "ufb/io/checkpoint.h"
#include "ufb/model/encoder.h"
#include "ufb/model/token_batch.h"

namespace ufb::model {

// One candidate of fill_mask, best first.
struct TokenPrediction {
  int32_t token_id = 0;
  float logit = 0.0f;
  float probability = 0.0f;  // softmax over the whole vocabulary
};

// Per-sequence vectors [batch, width], row-major.
struct Embeddings {
  int64_t batch = 0;
  int64_t width = 0;
  std::vector<float> values;
};

enum class EmbeddingPooling {
  mean,           // mean of the final hidden states over the sequence's real tokens
  first,          // the final hidden state at position 0 ([CLS])
  max,            // the largest value of each dimension over the real tokens
  mean_sqrt_len,  // the sum over the real tokens divided by √(number of tokens)
  pooler,         // the model's own pooler: tanh(pool(hidden) · W_p^T + b_p)
};

struct Classification {
  int64_t batch = 0;
  int64_t num_labels = 0;
  io::ProblemType problem_type = io::ProblemType::kSingleLabel;
  std::vector<float> logits;  // [batch, num_labels]; for regression, the values
  // [batch, num_labels]: softmax of each row (single-label) or the sigmoid of each logit
  // (multi-label); empty for regression.
  std::vector<float> probabilities;
};

// Everything a traced run of a padded batch computes, padding rows included (`ufb dump`).
struct ModelTrace {
  HiddenStates hidden;  // after the final norm
  EncoderTrace encoder;
  // The head's output: MLM logits [B·S, vocab] at every position, or classification logits
  // [B, num_labels].
  std::vector<float> head_logits;
  int64_t head_width = 0;
};

// Pools final hidden states into one vector per sequence over each sequence's real tokens (the
// mask's ones). EmbeddingPooling::pooler needs the model's weights: Model::embed.
Embeddings pool_hidden_states(const HiddenStates& states, EmbeddingPooling pooling);

// A crammedBERT / UltraFastBERT (docs/model.md §2) or BERT-family (§5) model ready to run.
// Inputs are batches of token id sequences of any lengths up to max_sequence_length(); the model
// pads them to the longest. `token_types`, where given, holds each sequence's token types (BERT's
// segments; models without them ignore it). Every call throws ufb::Error for an invalid batch
// (see pad_batch) or a call the model's head does not support. Calls are const and may run
// concurrently.
class Model {
 public:
  // Opens a model directory (config.json plus model.safetensors or pytorch_model.bin).
  explicit Model(const std::filesystem::path& model_dir, const ModelOptions& options = {});
  explicit Model(std::unique_ptr<const io::Checkpoint> checkpoint,
                 const ModelOptions& options = {});
  ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  const io::Checkpoint& checkpoint() const { return *checkpoint_; }
  const io::ModelConfig& config() const { return checkpoint_->config(); }
  const TokenLimits& limits() const { return limits_; }
  const Encoder& encoder() const { return encoder_; }
  // Encoder::weight_bytes: what the model holds of its weights, at its precision, plus the
  // masked-LM decoder's copy once a bf16 or int8 model has made it (at its first decoding).
  int64_t weight_bytes() const;

  // Final hidden states of the padded batch. With PaddingRows::skip padding rows are left 0.
  HiddenStates encode(std::span<const TokenIds> batch, PaddingRows padding = PaddingRows::skip,
                      std::span<const TokenIds> token_types = {}) const;

  // Masked-LM logits [positions.size(), vocab_size] at the given positions only.
  std::vector<float> mlm_logits(std::span<const TokenIds> batch,
                                std::span<const TokenPosition> positions,
                                std::span<const TokenIds> token_types = {}) const;
  // The top_k most likely tokens at each position (a mask token's, say).
  std::vector<std::vector<TokenPrediction>> fill_mask(std::span<const TokenIds> batch,
                                                      std::span<const TokenPosition> positions,
                                                      int64_t top_k,
                                                      std::span<const TokenIds> token_types = {}) const;

  // One vector per sequence: hidden_size wide, or head_dim wide for EmbeddingPooling::pooler.
  Embeddings embed(std::span<const TokenIds> batch, EmbeddingPooling pooling,
                   std::span<const TokenIds> token_types = {}) const;

  // Classification (or regression) head over the pooled states. Note that crammedBERT's `avg`
  // pooler averages over the padded length, padding included, as the original does: a
  // sequence's result then depends on the longest sequence of its batch.
  Classification classify(std::span<const TokenIds> batch,
                          std::span<const TokenIds> token_types = {}) const;

  // Runs a padded batch as given (padding ids included) and keeps every intermediate state.
  ModelTrace trace(const PaddedBatch& batch) const;

 private:
  void require_head(io::ModelHead head, const char* call) const;
  // The classification pooler runs over padding rows too when it averages (docs/model.md §2.6).
  PaddingRows pooler_padding() const;
  // tanh(pool(states) · W_p^T + b_p) [batch, head_dim], pooled by the model's own scheme.
  std::vector<float> pooler_features(const HiddenStates& states) const;
  // Classification logits [batch, num_labels] of the pooler features.
  std::vector<float> head_logits(std::span<const float> features, int64_t batch) const;
  // Masked-LM logits [rows, vocab] of final hidden states [rows, hidden].
  std::vector<float> decode(std::span<const float> hidden, int64_t rows) const;

  std::unique_ptr<const io::Checkpoint> checkpoint_;
  TokenLimits limits_;
  Encoder encoder_;
  // The masked-LM decoder [vocab, hidden] in a bf16 or int8 model's precision (float32 models
  // read it in place). Made at the first decoding, not at load: the decoder is as large as the
  // word embeddings, and most users of an MLM checkpoint only embed.
  struct PreparedDecoder;
  std::unique_ptr<PreparedDecoder> decoder_;
};

}  // namespace ufb::model

#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ufb::io {

enum class FeedforwardKind { kFastFeedforward, kDense };  // intermed_type "fff" / "ff"
enum class PositionEmbedding { kScaledSinusoidal, kLearned };
enum class Pooler { kAverage, kZeroIndex };  // "avg" / "zero_index"

struct EmbeddingConfig {
  std::int64_t vocab_size = 0;
  PositionEmbedding pos_embedding = PositionEmbedding::kScaledSinusoidal;
  std::int64_t max_seq_length = 0;
  std::int64_t embedding_dim = 0;  // always hidden_size (checked)
  bool normalization = true;       // LayerNorm after the embedding sum
  std::int64_t pad_token_id = 0;
};

struct AttentionConfig {
  std::int64_t num_attention_heads = 0;
};

struct ClassificationHeadConfig {
  Pooler pooler = Pooler::kAverage;
  std::int64_t head_dim = 0;  // width of the tanh pooler layer
};

// The `arch` object of a crammedBERT config.json (docs/model.md §3), as far as it describes a model
// this engine computes. Keys that have a single supported value are checked and not stored:
// norm "LayerNorm", norm_scheme "pre", nonlin "GELU", use_bias, decoder_bias false,
// skip_head_transform true; attention: qkv_bias, skip_output_projection, causal_attention,
// rotary_embedding false, type "self-attention" and sequence_op "torch-softmax" where given;
// classification_head: include_ff_layer true, nonlin "Tanh"; objective_layout "MLM" and
// ffn_layer_frequency 1 where given. Keys the engine has no use for (dropout, init, ...) are
// ignored.
struct ModelConfig {
  std::int64_t num_transformer_layers = 0;
  std::int64_t hidden_size = 0;
  FeedforwardKind intermed_type = FeedforwardKind::kFastFeedforward;
  // FFF: the number of parallel trees T. Dense: the width of the hidden layer.
  std::int64_t intermed_size = 0;
  // FFF: the depth D of each tree (0 for dense).
  std::int64_t intermed_depth = 0;
  double norm_eps = 0;
  bool tie_weights = true;  // decoder.weight is the word embedding
  bool final_norm = true;
  EmbeddingConfig embedding;
  AttentionConfig attention;
  ClassificationHeadConfig classification_head;
  // Absent or null for a pretraining (MLM) model.
  std::optional<std::int64_t> num_labels;

  // M = 2^(D+1) - 1: neurons per FFF tree.
  std::int64_t fff_nodes_per_tree() const { return (std::int64_t{2} << intermed_depth) - 1; }
  // Neurons of one feedforward layer: T·M for FFF, the width for dense.
  std::int64_t feedforward_width() const;
};

// Parses config.json text. Throws ufb::Error naming `source_name`, the key (as
// arch.attention.causal_attention) and its value when a key is missing, has the wrong type or a
// value this engine does not implement.
ModelConfig parse_model_config(std::string_view json_text, const std::string& source_name);

// Reads and parses a config.json file.
ModelConfig read_model_config(const std::filesystem::path& path);

}  // namespace ufb::io

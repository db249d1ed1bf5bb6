#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/ops/activation.h"

namespace ufb::io {

// Which family a config.json describes: it decides the tensor names (io/tensor_table.h) and the
// defaults below; everything else the model computes is in the fields.
enum class Architecture { kCrammedBert, kBert };  // model_type "crammedBERT" / "bert"
enum class FeedforwardKind { kFastFeedforward, kDense };  // intermed_type "fff" / "ff"
enum class NormScheme { kPre, kPost };  // LayerNorm before each sublayer / after its residual sum
// What a classification head's outputs mean (transformers' problem_type).
enum class ProblemType { kSingleLabel, kMultiLabel, kRegression };
enum class PositionEmbedding { kScaledSinusoidal, kLearned };
enum class Pooler { kAverage, kZeroIndex };  // "avg" / "zero_index"

struct EmbeddingConfig {
  std::int64_t vocab_size = 0;
  PositionEmbedding pos_embedding = PositionEmbedding::kScaledSinusoidal;
  std::int64_t max_seq_length = 0;
  std::int64_t embedding_dim = 0;  // always hidden_size (checked)
  bool normalization = true;       // LayerNorm after the embedding sum
  std::int64_t pad_token_id = 0;
  std::int64_t type_vocab_size = 0;  // token type (segment) embeddings; 0: none
};

struct AttentionConfig {
  std::int64_t num_attention_heads = 0;
};

struct ClassificationHeadConfig {
  Pooler pooler = Pooler::kAverage;
  std::int64_t head_dim = 0;  // width of the tanh pooler layer
};

// A model's config.json as far as it describes what this engine computes: crammedBERT's `arch`
// object (docs/model.md §3) or a transformers BertConfig (§5), which parse into the same fields.
// crammedBERT: keys that have a single supported value are checked and not stored:
// norm "LayerNorm", norm_scheme "pre", nonlin "GELU", use_bias, decoder_bias false,
// skip_head_transform true; attention: qkv_bias, skip_output_projection, causal_attention,
// rotary_embedding false, type "self-attention" and sequence_op "torch-softmax" where given;
// classification_head: include_ff_layer true, nonlin "Tanh"; objective_layout "MLM" and
// ffn_layer_frequency 1 where given. BERT: position_embedding_type "absolute", is_decoder and
// add_cross_attention false where given; embedding_size equal to hidden_size where given. Keys
// the engine has no use for (dropout, init, ...) are ignored in both.
struct ModelConfig {
  Architecture architecture = Architecture::kCrammedBert;
  std::int64_t num_transformer_layers = 0;
  std::int64_t hidden_size = 0;
  FeedforwardKind intermed_type = FeedforwardKind::kFastFeedforward;
  // FFF: the number of parallel trees T. Dense: the width of the hidden layer.
  std::int64_t intermed_size = 0;
  // FFF: the depth D of each tree (0 for dense).
  std::int64_t intermed_depth = 0;
  double norm_eps = 0;
  NormScheme norm_scheme = NormScheme::kPre;
  // The dense feedforward's (and the masked-LM transform's) nonlinearity; FFF trees always use
  // the exact GELU (docs/model.md §1).
  ops::Activation activation = ops::Activation::gelu_erf;
  // Query/key/value, attention output and feedforward layers have biases (BERT; FFF trees keep
  // b_in and gain an output bias).
  bool linear_bias = false;
  // The masked-LM head transforms the hidden state (dense, activation, LayerNorm) before a
  // decoder with a bias (BERT); crammedBERT decodes the hidden state directly.
  bool mlm_head_transform = false;
  bool tie_weights = true;  // decoder.weight is the word embedding
  bool final_norm = true;
  EmbeddingConfig embedding;
  AttentionConfig attention;
  ClassificationHeadConfig classification_head;
  // Absent or null for a pretraining (MLM) model.
  std::optional<std::int64_t> num_labels;
  // How classification logits read: absent means single-label, or regression with one label.
  std::optional<ProblemType> problem_type;
  // Label names by id (BERT's id2label), empty where the config has none.
  std::vector<std::string> labels;

  // M = 2^(D+1) - 1: neurons per FFF tree.
  std::int64_t fff_nodes_per_tree() const { return (std::int64_t{2} << intermed_depth) - 1; }
  // Neurons of one feedforward layer: T·M for FFF, the width for dense.
  std::int64_t feedforward_width() const;
  std::int64_t head_dim() const { return hidden_size / attention.num_attention_heads; }
  ProblemType resolved_problem_type(std::int64_t labels) const;
};

// Parses config.json text. Throws ufb::Error naming `source_name`, the key (as
// arch.attention.causal_attention) and its value when a key is missing, has the wrong type or a
// value this engine does not implement.
ModelConfig parse_model_config(std::string_view json_text, const std::string& source_name);

// Reads and parses a config.json file.
ModelConfig read_model_config(const std::filesystem::path& path);

}  // namespace ufb::io

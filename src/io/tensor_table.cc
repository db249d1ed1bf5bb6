#include "ufb/io/tensor_table.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "ufb/error.h"
#include "ufb/io/raw_tensor.h"

namespace ufb::io {
namespace {

using Role = TensorRole;

struct RoleName {
  Role role;
  const char* name;  // after the layer prefix for per-layer roles; nullptr: not in the family
};

constexpr std::size_t kRoleCount = static_cast<std::size_t>(Role::kDecoderBias) + 1;

// Each architecture's tensor names, the one place they are written (llama.cpp's
// LLM_TENSOR_NAMES), indexed by role.
constexpr std::array<RoleName, kRoleCount> kCrammedBertNames = {{
    {Role::kWordEmbedding, "encoder.embedding.word_embedding.weight"},
    {Role::kPositionScale, "encoder.embedding.pos_embedding.scale_factor"},
    {Role::kLearnedPositions, "encoder.embedding.pos_embedding.embedding.weight"},
    {Role::kEmbeddingNormWeight, "encoder.embedding.norm.weight"},
    {Role::kEmbeddingNormBias, "encoder.embedding.norm.bias"},
    {Role::kNorm1Weight, "norm1.weight"},
    {Role::kNorm1Bias, "norm1.bias"},
    {Role::kQkvWeight, "attn.self_attention.query_key_value.weight"},
    {Role::kScoreScale, "attn.self_attention.norm_factor"},
    {Role::kAttentionOutputWeight, "attn.dense.weight"},
    {Role::kNorm2Weight, "norm2.weight"},
    {Role::kNorm2Bias, "norm2.bias"},
    {Role::kFffInWeight, "ffn.linear_in.weight"},
    {Role::kFffInBias, "ffn.linear_in.bias"},
    {Role::kFffOutWeight, "ffn.linear_out.weight"},
    {Role::kDenseInWeight, "ffn.dense_in.weight"},
    {Role::kDenseOutWeight, "ffn.dense_out.weight"},
    {Role::kFinalNormWeight, "encoder.final_norm.weight"},
    {Role::kFinalNormBias, "encoder.final_norm.bias"},
    {Role::kDecoderWeight, "decoder.weight"},
    {Role::kPoolerWeight, "pooler.dense.weight"},
    {Role::kPoolerBias, "pooler.dense.bias"},
    {Role::kHeadWeight, "head.weight"},
    {Role::kHeadBias, "head.bias"},
    {Role::kTokenTypeEmbedding, nullptr},
    {Role::kQueryWeight, nullptr},
    {Role::kQueryBias, nullptr},
    {Role::kKeyWeight, nullptr},
    {Role::kKeyBias, nullptr},
    {Role::kValueWeight, nullptr},
    {Role::kValueBias, nullptr},
    {Role::kAttentionOutputBias, nullptr},
    {Role::kDenseInBias, nullptr},
    {Role::kDenseOutBias, nullptr},
    {Role::kFffOutBias, nullptr},
    {Role::kMlmTransformWeight, nullptr},
    {Role::kMlmTransformBias, nullptr},
    {Role::kMlmNormWeight, nullptr},
    {Role::kMlmNormBias, nullptr},
    {Role::kDecoderBias, nullptr},
}};

// transformers' BertModel / BertForMaskedLM / BertForSequenceClassification, without the
// `bert.` prefix; the FFF member's trees sit where the intermediate/output pair was.
constexpr std::array<RoleName, kRoleCount> kBertNames = {{
    {Role::kWordEmbedding, "embeddings.word_embeddings.weight"},
    {Role::kPositionScale, nullptr},
    {Role::kLearnedPositions, "embeddings.position_embeddings.weight"},
    {Role::kEmbeddingNormWeight, "embeddings.LayerNorm.weight"},
    {Role::kEmbeddingNormBias, "embeddings.LayerNorm.bias"},
    {Role::kNorm1Weight, "attention.output.LayerNorm.weight"},
    {Role::kNorm1Bias, "attention.output.LayerNorm.bias"},
    {Role::kQkvWeight, nullptr},
    {Role::kScoreScale, nullptr},
    {Role::kAttentionOutputWeight, "attention.output.dense.weight"},
    {Role::kNorm2Weight, "output.LayerNorm.weight"},
    {Role::kNorm2Bias, "output.LayerNorm.bias"},
    {Role::kFffInWeight, "fff.linear_in.weight"},
    {Role::kFffInBias, "fff.linear_in.bias"},
    {Role::kFffOutWeight, "fff.linear_out.weight"},
    {Role::kDenseInWeight, "intermediate.dense.weight"},
    {Role::kDenseOutWeight, "output.dense.weight"},
    {Role::kFinalNormWeight, nullptr},
    {Role::kFinalNormBias, nullptr},
    {Role::kDecoderWeight, "cls.predictions.decoder.weight"},
    {Role::kPoolerWeight, "pooler.dense.weight"},
    {Role::kPoolerBias, "pooler.dense.bias"},
    {Role::kHeadWeight, "classifier.weight"},
    {Role::kHeadBias, "classifier.bias"},
    {Role::kTokenTypeEmbedding, "embeddings.token_type_embeddings.weight"},
    {Role::kQueryWeight, "attention.self.query.weight"},
    {Role::kQueryBias, "attention.self.query.bias"},
    {Role::kKeyWeight, "attention.self.key.weight"},
    {Role::kKeyBias, "attention.self.key.bias"},
    {Role::kValueWeight, "attention.self.value.weight"},
    {Role::kValueBias, "attention.self.value.bias"},
    {Role::kAttentionOutputBias, "attention.output.dense.bias"},
    {Role::kDenseInBias, "intermediate.dense.bias"},
    {Role::kDenseOutBias, "output.dense.bias"},
    {Role::kFffOutBias, "fff.linear_out.bias"},
    {Role::kMlmTransformWeight, "cls.predictions.transform.dense.weight"},
    {Role::kMlmTransformBias, "cls.predictions.transform.dense.bias"},
    {Role::kMlmNormWeight, "cls.predictions.transform.LayerNorm.weight"},
    {Role::kMlmNormBias, "cls.predictions.transform.LayerNorm.bias"},
    {Role::kDecoderBias, "cls.predictions.bias"},
}};

constexpr bool names_in_role_order(const std::array<RoleName, kRoleCount>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (static_cast<std::size_t>(names[i].role) != i) return false;
  }
  return true;
}
static_assert(names_in_role_order(kCrammedBertNames), "kCrammedBertNames is indexed by TensorRole");
static_assert(names_in_role_order(kBertNames), "kBertNames is indexed by TensorRole");

const char* layer_prefix(Architecture architecture) {
  return architecture == Architecture::kBert ? "encoder.layer." : "encoder.layers.";
}

// Buffers a state dict may hold that carry no weights: position indices (int64), BERT's
// pretraining next-sentence head, and the decoder's own name for its tied bias.
constexpr std::array<std::string_view, 1> kCrammedBertWeightless = {
    "encoder.embedding.pos_embedding.position_ids"};
constexpr std::array<std::string_view, 6> kBertWeightless = {
    "embeddings.position_ids",     "bert.embeddings.position_ids",
    "cls.seq_relationship.weight", "cls.seq_relationship.bias",
    "cls.predictions.decoder.bias", "embeddings.token_type_ids"};

class TableBuilder {
 public:
  explicit TableBuilder(Architecture architecture) : architecture_(architecture) {}
  void set_layer(std::int64_t layer) { layer_ = layer; }
  void add(Role role, std::vector<std::int64_t> shape) {
    std::string name = tensor_name(architecture_, role, layer_);
    // Bounds every size the loader will compute from this table.
    checked_element_count(shape, sizeof(double), "config: tensor " + name);
    table_.push_back({std::move(name), std::move(shape), role, is_layer_role(role) ? layer_ : -1});
  }
  std::vector<ExpectedTensor> take() { return std::move(table_); }

 private:
  Architecture architecture_;
  std::int64_t layer_ = -1;
  std::vector<ExpectedTensor> table_;
};

void add_feedforward(const ModelConfig& config, TableBuilder& table) {
  const std::int64_t hidden = config.hidden_size;
  const std::int64_t width = config.feedforward_width();
  if (config.intermed_type == FeedforwardKind::kFastFeedforward) {
    table.add(Role::kFffInWeight, {width, hidden});
    table.add(Role::kFffInBias, {width});
    table.add(Role::kFffOutWeight, {hidden, width});
    if (config.linear_bias) table.add(Role::kFffOutBias, {hidden});
  } else {
    table.add(Role::kDenseInWeight, {width, hidden});
    if (config.linear_bias) table.add(Role::kDenseInBias, {width});
    table.add(Role::kDenseOutWeight, {hidden, width});
    if (config.linear_bias) table.add(Role::kDenseOutBias, {hidden});
  }
}

// In the order of the layer's state dict.
void add_crammed_bert_layer(const ModelConfig& config, TableBuilder& table) {
  const std::int64_t hidden = config.hidden_size;
  table.add(Role::kNorm1Weight, {hidden});
  table.add(Role::kNorm1Bias, {hidden});
  table.add(Role::kNorm2Weight, {hidden});
  table.add(Role::kNorm2Bias, {hidden});
  table.add(Role::kQkvWeight, {3 * hidden, hidden});
  table.add(Role::kScoreScale, {});
  table.add(Role::kAttentionOutputWeight, {hidden, hidden});
  add_feedforward(config, table);
}

void add_bert_layer(const ModelConfig& config, TableBuilder& table) {
  const std::int64_t hidden = config.hidden_size;
  for (const auto& [weight, bias] : {std::pair{Role::kQueryWeight, Role::kQueryBias},
                                     std::pair{Role::kKeyWeight, Role::kKeyBias},
                                     std::pair{Role::kValueWeight, Role::kValueBias}}) {
    table.add(weight, {hidden, hidden});
    table.add(bias, {hidden});
  }
  table.add(Role::kAttentionOutputWeight, {hidden, hidden});
  table.add(Role::kAttentionOutputBias, {hidden});
  table.add(Role::kNorm1Weight, {hidden});
  table.add(Role::kNorm1Bias, {hidden});
  add_feedforward(config, table);
  table.add(Role::kNorm2Weight, {hidden});
  table.add(Role::kNorm2Bias, {hidden});
}

}  // namespace

std::string_view describe(ModelHead head) {
  switch (head) {
    case ModelHead::kMaskedLm: return "a masked-LM model";
    case ModelHead::kClassification: return "a classification model";
    case ModelHead::kNone: return "an embedding model";
  }
  return "a model";
}

TensorKind tensor_kind(TensorRole role) {
  switch (role) {
    case Role::kWordEmbedding: return TensorKind::kWordEmbedding;
    case Role::kPositionScale: return TensorKind::kPositionScale;
    case Role::kScoreScale: return TensorKind::kScoreScale;
    case Role::kEmbeddingNormWeight:
    case Role::kNorm1Weight:
    case Role::kNorm2Weight:
    case Role::kFinalNormWeight: return TensorKind::kNormWeight;
    case Role::kEmbeddingNormBias:
    case Role::kNorm1Bias:
    case Role::kNorm2Bias:
    case Role::kFinalNormBias: return TensorKind::kNormBias;
    case Role::kMlmNormWeight: return TensorKind::kNormWeight;
    case Role::kMlmNormBias: return TensorKind::kNormBias;
    case Role::kFffInBias:
    case Role::kPoolerBias:
    case Role::kHeadBias:
    case Role::kQueryBias:
    case Role::kKeyBias:
    case Role::kValueBias:
    case Role::kAttentionOutputBias:
    case Role::kDenseInBias:
    case Role::kDenseOutBias:
    case Role::kFffOutBias:
    case Role::kMlmTransformBias:
    case Role::kDecoderBias: return TensorKind::kBias;
    default: return TensorKind::kMatrix;
  }
}

bool is_layer_role(TensorRole role) {
  return (role >= Role::kNorm1Weight && role <= Role::kDenseOutWeight) ||
         (role >= Role::kQueryWeight && role <= Role::kFffOutBias);
}

std::string tensor_name(Architecture architecture, TensorRole role, std::int64_t layer) {
  const auto& names = architecture == Architecture::kBert ? kBertNames : kCrammedBertNames;
  const char* name = names[static_cast<std::size_t>(role)].name;
  if (name == nullptr) {
    throw Error("tensor role " + std::to_string(static_cast<int>(role)) +
                " has no name in this architecture");
  }
  if (!is_layer_role(role)) return name;
  return layer_prefix(architecture) + std::to_string(layer) + "." + name;
}

bool bert_prefixed(std::string_view name) {
  return !name.starts_with("cls.") && !name.starts_with("classifier.");
}

bool is_weightless_buffer(Architecture architecture, std::string_view name) {
  const auto contains = [name](const auto& names) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  return architecture == Architecture::kBert ? contains(kBertWeightless)
                                             : contains(kCrammedBertWeightless);
}

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config, ModelHead head,
                                             std::int64_t num_labels, bool pooler) {
  const std::int64_t hidden = config.hidden_size;
  const std::int64_t vocab = config.embedding.vocab_size;
  TableBuilder table(config.architecture);
  table.add(Role::kWordEmbedding, {vocab, hidden});
  if (config.embedding.pos_embedding == PositionEmbedding::kScaledSinusoidal) {
    table.add(Role::kPositionScale, {1});
  } else {
    table.add(Role::kLearnedPositions, {config.embedding.max_seq_length, hidden});
  }
  if (config.embedding.type_vocab_size > 0) {
    table.add(Role::kTokenTypeEmbedding, {config.embedding.type_vocab_size, hidden});
  }
  if (config.embedding.normalization) {
    table.add(Role::kEmbeddingNormWeight, {hidden});
    table.add(Role::kEmbeddingNormBias, {hidden});
  }

  for (std::int64_t layer = 0; layer < config.num_transformer_layers; ++layer) {
    table.set_layer(layer);
    if (config.architecture == Architecture::kBert) {
      add_bert_layer(config, table);
    } else {
      add_crammed_bert_layer(config, table);
    }
  }
  table.set_layer(-1);
  if (config.final_norm) {
    table.add(Role::kFinalNormWeight, {hidden});
    table.add(Role::kFinalNormBias, {hidden});
  }
  if (pooler || head == ModelHead::kClassification) {
    const std::int64_t head_dim = config.classification_head.head_dim;
    table.add(Role::kPoolerWeight, {head_dim, hidden});
    table.add(Role::kPoolerBias, {head_dim});
  }

  if (head == ModelHead::kMaskedLm) {
    if (config.mlm_head_transform) {
      table.add(Role::kMlmTransformWeight, {hidden, hidden});
      table.add(Role::kMlmTransformBias, {hidden});
      table.add(Role::kMlmNormWeight, {hidden});
      table.add(Role::kMlmNormBias, {hidden});
      table.add(Role::kDecoderBias, {vocab});
    }
    table.add(Role::kDecoderWeight, {vocab, hidden});
  } else if (head == ModelHead::kClassification) {
    const std::int64_t head_dim = config.classification_head.head_dim;
    table.add(Role::kHeadWeight, {num_labels, head_dim});
    table.add(Role::kHeadBias, {num_labels});
  }
  return table.take();
}

}  // namespace ufb::io

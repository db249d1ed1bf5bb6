#include "ufb/io/tensor_table.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "ufb/io/raw_tensor.h"

namespace ufb::io {
namespace {

using Role = TensorRole;

struct RoleName {
  Role role;
  const char* name;  // after "encoder.layers.<i>." for per-layer roles
};

// crammedBERT's tensor names, the one place they are written (llama.cpp's LLM_TENSOR_NAMES).
constexpr std::array<RoleName, 24> kCrammedBertNames = {{
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
}};

constexpr bool names_in_role_order() {
  for (std::size_t i = 0; i < kCrammedBertNames.size(); ++i) {
    if (static_cast<std::size_t>(kCrammedBertNames[i].role) != i) return false;
  }
  return true;
}
static_assert(names_in_role_order(), "kCrammedBertNames is indexed by TensorRole");

// Buffers a state dict may hold that carry no weights: learned position embeddings register
// their position indices as a persistent int64 buffer.
constexpr std::array<std::string_view, 1> kWeightlessBuffers = {
    "encoder.embedding.pos_embedding.position_ids"};

class TableBuilder {
 public:
  explicit TableBuilder(std::int64_t layer = -1) : layer_(layer) {}
  void set_layer(std::int64_t layer) { layer_ = layer; }
  void add(Role role, std::vector<std::int64_t> shape) {
    std::string name = tensor_name(role, layer_);
    // Bounds every size the loader will compute from this table.
    checked_element_count(shape, sizeof(double), "config: tensor " + name);
    table_.push_back({std::move(name), std::move(shape), role, is_layer_role(role) ? layer_ : -1});
  }
  std::vector<ExpectedTensor> take() { return std::move(table_); }

 private:
  std::int64_t layer_;
  std::vector<ExpectedTensor> table_;
};

}  // namespace

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
    case Role::kFffInBias:
    case Role::kPoolerBias:
    case Role::kHeadBias: return TensorKind::kBias;
    default: return TensorKind::kMatrix;
  }
}

bool is_layer_role(TensorRole role) {
  return role >= Role::kNorm1Weight && role <= Role::kDenseOutWeight;
}

std::string tensor_name(TensorRole role, std::int64_t layer) {
  const std::string name = kCrammedBertNames[static_cast<std::size_t>(role)].name;
  if (!is_layer_role(role)) return name;
  return "encoder.layers." + std::to_string(layer) + "." + name;
}

bool is_weightless_buffer(std::string_view name) {
  return std::find(kWeightlessBuffers.begin(), kWeightlessBuffers.end(), name) !=
         kWeightlessBuffers.end();
}

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config, ModelHead head,
                                             std::int64_t num_labels) {
  const std::int64_t hidden = config.hidden_size;
  const std::int64_t vocab = config.embedding.vocab_size;
  TableBuilder table;
  table.add(Role::kWordEmbedding, {vocab, hidden});
  if (config.embedding.pos_embedding == PositionEmbedding::kScaledSinusoidal) {
    table.add(Role::kPositionScale, {1});
  } else {
    table.add(Role::kLearnedPositions, {config.embedding.max_seq_length, hidden});
  }
  if (config.embedding.normalization) {
    table.add(Role::kEmbeddingNormWeight, {hidden});
    table.add(Role::kEmbeddingNormBias, {hidden});
  }

  const std::int64_t width = config.feedforward_width();
  for (std::int64_t layer = 0; layer < config.num_transformer_layers; ++layer) {
    table.set_layer(layer);
    table.add(Role::kNorm1Weight, {hidden});
    table.add(Role::kNorm1Bias, {hidden});
    table.add(Role::kNorm2Weight, {hidden});
    table.add(Role::kNorm2Bias, {hidden});
    table.add(Role::kQkvWeight, {3 * hidden, hidden});
    table.add(Role::kScoreScale, {});
    table.add(Role::kAttentionOutputWeight, {hidden, hidden});
    if (config.intermed_type == FeedforwardKind::kFastFeedforward) {
      table.add(Role::kFffInWeight, {width, hidden});
      table.add(Role::kFffInBias, {width});
      table.add(Role::kFffOutWeight, {hidden, width});
    } else {
      table.add(Role::kDenseInWeight, {width, hidden});
      table.add(Role::kDenseOutWeight, {hidden, width});
    }
  }
  table.set_layer(-1);
  if (config.final_norm) {
    table.add(Role::kFinalNormWeight, {hidden});
    table.add(Role::kFinalNormBias, {hidden});
  }

  if (head == ModelHead::kMaskedLm) {
    table.add(Role::kDecoderWeight, {vocab, hidden});
  } else {
    const std::int64_t head_dim = config.classification_head.head_dim;
    table.add(Role::kPoolerWeight, {head_dim, hidden});
    table.add(Role::kPoolerBias, {head_dim});
    table.add(Role::kHeadWeight, {num_labels, head_dim});
    table.add(Role::kHeadBias, {num_labels});
  }
  return table.take();
}

}  // namespace ufb::io

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/io/config.h"

namespace ufb::io {

enum class ModelHead {
  kMaskedLm,        // a decoder over the vocabulary
  kClassification,  // pooler and classifier
  kNone,            // the encoder alone (BERT's BertModel, sentence-transformers)
};

// How messages name a model with this head: "a masked-LM model", "a classification model",
// "an embedding model".
std::string_view describe(ModelHead head);

// What a tensor is for in the model, whatever an architecture's state dict calls it. The
// typed weights (model/weights.h) have one field per role; an architecture is a table from roles
// to names (tensor_name) plus the shapes its config implies (expected_tensors).
enum class TensorRole : std::uint8_t {
  kWordEmbedding,
  kPositionScale,     // scaled sinusoidal positions: the learned scale
  kLearnedPositions,  // learned positions: the table
  kEmbeddingNormWeight,
  kEmbeddingNormBias,
  kNorm1Weight,  // per layer from here to kDenseOutWeight
  kNorm1Bias,
  kQkvWeight,
  kScoreScale,  // the attention's norm_factor buffer
  kAttentionOutputWeight,
  kNorm2Weight,
  kNorm2Bias,
  kFffInWeight,
  kFffInBias,
  kFffOutWeight,
  kDenseInWeight,
  kDenseOutWeight,
  kFinalNormWeight,
  kFinalNormBias,
  kDecoderWeight,
  kPoolerWeight,
  kPoolerBias,
  kHeadWeight,
  kHeadBias,
  // BERT (docs/model.md §5) from here on.
  kTokenTypeEmbedding,
  kQueryWeight,  // per layer from here to kFffOutBias
  kQueryBias,
  kKeyWeight,
  kKeyBias,
  kValueWeight,
  kValueBias,
  kAttentionOutputBias,
  kDenseInBias,
  kDenseOutBias,
  kFffOutBias,
  kMlmTransformWeight,
  kMlmTransformBias,
  kMlmNormWeight,
  kMlmNormBias,
  kDecoderBias,
};

// How a tensor of a role starts when a model is initialised instead of loaded.
enum class TensorKind {
  kMatrix,         // random weights
  kWordEmbedding,  // random, the padding row 0
  kNormWeight,     // 1
  kNormBias,       // 0
  kBias,           // 0
  kPositionScale,  // 1/√hidden
  kScoreScale,     // 1/√head_dim, a fixed buffer: never trained
};

TensorKind tensor_kind(TensorRole role);
// Roles that belong to one encoder layer (their names carry its index).
bool is_layer_role(TensorRole role);

// The state-dict name of `role` in an architecture (docs/model.md §3, §5); `layer` for per-layer
// roles. BERT names are given without the `bert.` prefix of its task models (see
// bert_prefixed). Throws ufb::Error for a role the architecture does not have.
std::string tensor_name(Architecture architecture, TensorRole role, std::int64_t layer = -1);

// Whether BERT's task models (BertForMaskedLM, ...) put `name` under the `bert.` prefix: every
// tensor but those of the masked-LM head and the classifier.
bool bert_prefixed(std::string_view name);

// Whether a state dict may hold `name` although it carries nothing the model computes: index
// buffers, BERT's next-sentence head, the alias of its decoder bias.
bool is_weightless_buffer(Architecture architecture, std::string_view name);

struct ExpectedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  TensorRole role = TensorRole::kWordEmbedding;
  std::int64_t layer = -1;  // the encoder layer of a per-layer role, else -1
};

// The tensors a state dict of this configuration holds (docs/model.md §3, §5), in state-dict
// order, with the shapes the config implies. `num_labels` is used for kClassification only;
// `pooler` says whether the model has one (every classification model does). Throws
// ufb::Error if a shape's size overflows.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config, ModelHead head,
                                             std::int64_t num_labels, bool pooler);

}  // namespace ufb::io

#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/io/config.h"

namespace ufb::io {

enum class ModelHead {
  kMaskedLm,        // decoder.weight [V,H]
  kClassification,  // pooler.dense.{weight,bias}, head.{weight,bias}
};

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

// crammedBERT's state-dict name of `role` (docs/model.md §3); `layer` for per-layer roles.
std::string tensor_name(TensorRole role, std::int64_t layer = -1);

// Whether a state dict may hold `name` although it carries nothing the model needs.
bool is_weightless_buffer(std::string_view name);

struct ExpectedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
  TensorRole role = TensorRole::kWordEmbedding;
  std::int64_t layer = -1;  // the encoder layer of a per-layer role, else -1
};

// The tensors a state dict of this configuration holds (docs/model.md §3), in state-dict order, with
// the shapes the config implies. `num_labels` is used for kClassification only. Throws
// ufb::Error if a shape's size overflows.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config, ModelHead head,
                                             std::int64_t num_labels = 0);

}  // namespace ufb::io

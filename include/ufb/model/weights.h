#pragma once

// A model's weights as typed fields, one per io::TensorRole (gemma.cpp's LayerWeightsPtrs), with
// one visitor over the tensors a configuration has (its ForEachTensor). Loading, saving, the
// optimizer and the gradient buffers all walk the model through for_each_tensor; the forward
// pass reads the fields. `Tensor` is what one tensor is to its user: a view of a loaded
// checkpoint's values for inference, a value with its gradient for training.

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ufb/error.h"
#include "ufb/io/checkpoint.h"
#include "ufb/io/config.h"
#include "ufb/io/tensor_table.h"

namespace ufb::model {

template <class Tensor>
struct LayerWeights {
  // Pre-LN (crammedBERT): before attention / the feedforward. Post-LN (BERT): after each
  // residual sum.
  Tensor norm1_weight, norm1_bias;
  Tensor qkv_weight;   // crammedBERT: [3H, H], rows interleaved per head (docs/model.md §2.3)
  Tensor score_scale;  // crammedBERT: 0-d, 1/√head_dim
  Tensor query_weight, query_bias, key_weight, key_bias, value_weight, value_bias;  // BERT
  Tensor attention_output_weight, attention_output_bias;
  Tensor norm2_weight, norm2_bias;
  Tensor fff_in_weight, fff_in_bias, fff_out_weight, fff_out_bias;  // FFF layers
  Tensor dense_in_weight, dense_in_bias, dense_out_weight, dense_out_bias;  // dense layers
};

template <class Tensor>
class ModelWeights {
 public:
  // Fields for every tensor of io::expected_tensors(config, head, num_labels, pooler), except a
  // tied decoder: with tie_weights the word embedding decodes (decoder() returns it).
  ModelWeights(const io::ModelConfig& config, io::ModelHead head, int64_t num_labels, bool pooler)
      : head_(head),
        tied_decoder_(head == io::ModelHead::kMaskedLm && config.tie_weights),
        pooler_(pooler || head == io::ModelHead::kClassification) {
    for (io::ExpectedTensor& tensor : io::expected_tensors(config, head, num_labels, pooler)) {
      if (tied_decoder_ && tensor.role == io::TensorRole::kDecoderWeight) continue;
      table_.push_back(std::move(tensor));
    }
    layers.resize(config.num_transformer_layers);
  }

  Tensor word_embedding;
  Tensor position_scale;     // scaled sinusoidal positions
  Tensor learned_positions;  // learned positions
  Tensor token_type_embedding;  // BERT
  Tensor embedding_norm_weight, embedding_norm_bias;
  std::vector<LayerWeights<Tensor>> layers;
  Tensor final_norm_weight, final_norm_bias;
  Tensor pooler_weight, pooler_bias;  // classification models; BERT encoders may have one
  // Masked-LM models: BERT's transform (dense, activation, LayerNorm) and decoder bias; the
  // decoder where it is not tied.
  Tensor mlm_transform_weight, mlm_transform_bias, mlm_norm_weight, mlm_norm_bias;
  Tensor decoder_weight, decoder_bias;
  Tensor head_weight, head_bias;  // classification models

  io::ModelHead head() const { return head_; }
  bool has_pooler() const { return pooler_; }
  const Tensor& decoder() const { return tied_decoder_ ? word_embedding : decoder_weight; }
  bool tied_decoder() const { return tied_decoder_; }
  // The tensors the fields hold, in state-dict order.
  const std::vector<io::ExpectedTensor>& table() const { return table_; }

  // visit(const io::ExpectedTensor&, Tensor&) for every tensor of the model, in table order.
  template <class Visit>
  void for_each_tensor(Visit&& visit) {
    for (const io::ExpectedTensor& tensor : table_) visit(tensor, field(tensor.role, tensor.layer));
  }
  template <class Visit>
  void for_each_tensor(Visit&& visit) const {
    for (const io::ExpectedTensor& tensor : table_) {
      visit(tensor, const_cast<ModelWeights*>(this)->field(tensor.role, tensor.layer));
    }
  }

  // The field of a tensor of the table by its state-dict name (tests and tools; the forward
  // pass uses the fields). Throws ufb::Error for a name the model does not have.
  Tensor& field(std::string_view name) {
    for (const io::ExpectedTensor& tensor : table_) {
      if (tensor.name == name) return field(tensor.role, tensor.layer);
    }
    throw Error("model has no tensor " + std::string(name));
  }
  bool contains(std::string_view name) const {
    for (const io::ExpectedTensor& tensor : table_) {
      if (tensor.name == name) return true;
    }
    return false;
  }

  Tensor& field(io::TensorRole role, int64_t layer) {
    using Role = io::TensorRole;
    switch (role) {
      case Role::kWordEmbedding: return word_embedding;
      case Role::kPositionScale: return position_scale;
      case Role::kLearnedPositions: return learned_positions;
      case Role::kEmbeddingNormWeight: return embedding_norm_weight;
      case Role::kEmbeddingNormBias: return embedding_norm_bias;
      case Role::kNorm1Weight: return layers[layer].norm1_weight;
      case Role::kNorm1Bias: return layers[layer].norm1_bias;
      case Role::kQkvWeight: return layers[layer].qkv_weight;
      case Role::kScoreScale: return layers[layer].score_scale;
      case Role::kAttentionOutputWeight: return layers[layer].attention_output_weight;
      case Role::kNorm2Weight: return layers[layer].norm2_weight;
      case Role::kNorm2Bias: return layers[layer].norm2_bias;
      case Role::kFffInWeight: return layers[layer].fff_in_weight;
      case Role::kFffInBias: return layers[layer].fff_in_bias;
      case Role::kFffOutWeight: return layers[layer].fff_out_weight;
      case Role::kDenseInWeight: return layers[layer].dense_in_weight;
      case Role::kDenseOutWeight: return layers[layer].dense_out_weight;
      case Role::kFinalNormWeight: return final_norm_weight;
      case Role::kFinalNormBias: return final_norm_bias;
      case Role::kDecoderWeight: return decoder_weight;
      case Role::kPoolerWeight: return pooler_weight;
      case Role::kPoolerBias: return pooler_bias;
      case Role::kHeadWeight: return head_weight;
      case Role::kHeadBias: return head_bias;
      case Role::kTokenTypeEmbedding: return token_type_embedding;
      case Role::kQueryWeight: return layers[layer].query_weight;
      case Role::kQueryBias: return layers[layer].query_bias;
      case Role::kKeyWeight: return layers[layer].key_weight;
      case Role::kKeyBias: return layers[layer].key_bias;
      case Role::kValueWeight: return layers[layer].value_weight;
      case Role::kValueBias: return layers[layer].value_bias;
      case Role::kAttentionOutputBias: return layers[layer].attention_output_bias;
      case Role::kDenseInBias: return layers[layer].dense_in_bias;
      case Role::kDenseOutBias: return layers[layer].dense_out_bias;
      case Role::kFffOutBias: return layers[layer].fff_out_bias;
      case Role::kMlmTransformWeight: return mlm_transform_weight;
      case Role::kMlmTransformBias: return mlm_transform_bias;
      case Role::kMlmNormWeight: return mlm_norm_weight;
      case Role::kMlmNormBias: return mlm_norm_bias;
      case Role::kDecoderBias: return decoder_bias;
    }
    throw Error("model weights: unknown tensor role " + std::to_string(static_cast<int>(role)));
  }

 private:
  io::ModelHead head_;
  bool tied_decoder_;
  bool pooler_;
  std::vector<io::ExpectedTensor> table_;
};

// A loaded checkpoint's weights: views of its float32 values (the checkpoint outlives them).
using WeightViews = ModelWeights<std::span<const float>>;

WeightViews view_weights(const io::Checkpoint& checkpoint);

}  // namespace ufb::model

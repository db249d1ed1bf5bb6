#pragma once

// What a sentence-transformers model directory adds after its Transformer module (docs/model.md
// §5): pooling modes (concatenated), Dense layers, L2 normalization, and the sequence limit of
// sentence_bert_config.json. A model directory without modules.json embeds with plain mean
// pooling (SentenceEmbedding::plain).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <vector>

#include "ufb/model/model.h"

namespace ufb::model {

// Scales `vector` to unit Euclidean length (summing in double); a zero vector stays zero.
void normalize_to_unit_length(std::span<float> vector);

class SentenceEmbedding {
 public:
  // sentence-transformers' Dense module: activation(x · W^T + b).
  struct DenseLayer {
    int64_t in_features = 0;
    int64_t out_features = 0;
    std::vector<float> weight, bias;  // [out, in], [out] (may be empty)
    bool tanh = true;                 // Tanh, else Identity
  };

  // The directory's own pipeline, or nullopt if it has no modules.json. Throws ufb::Error naming
  // the file and key for a module ufb does not run, a pooling mode it does not implement, a
  // pooling or Dense width that contradicts the model, or malformed files.
  static std::optional<SentenceEmbedding> read(const std::filesystem::path& model_dir,
                                               const io::ModelConfig& config);
  // `pooling` alone, no Dense layers, normalized if asked.
  static SentenceEmbedding plain(EmbeddingPooling pooling, bool normalize);

  // One vector per sequence.
  Embeddings embed(const Model& model, std::span<const TokenIds> batch,
                   std::span<const TokenIds> token_types = {}) const;

  const std::vector<EmbeddingPooling>& pooling() const { return pooling_; }
  bool normalize() const { return normalize_; }
  void set_normalize(bool normalize) { normalize_ = normalize; }
  // sentence_bert_config.json's max_seq_length, if it gives one.
  std::optional<int64_t> max_seq_length() const { return max_seq_length_; }
  const std::vector<DenseLayer>& dense_layers() const { return dense_; }

 private:
  std::vector<EmbeddingPooling> pooling_;  // concatenated in this order
  std::vector<DenseLayer> dense_;
  bool normalize_ = false;
  std::optional<int64_t> max_seq_length_;
};

}  // namespace ufb::model

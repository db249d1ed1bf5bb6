#include "ufb/io/tensor_table.h"

#include "ufb/io/raw_tensor.h"

namespace ufb::io {
namespace {

class TableBuilder {
 public:
  void add(std::string name, std::vector<std::int64_t> shape) {
    // Bounds every size the loader will compute from this table.
    checked_element_count(shape, sizeof(double), "config: tensor " + name);
    table_.push_back({std::move(name), std::move(shape)});
  }
  // LayerNorm weight and bias.
  void add_norm(const std::string& prefix, std::int64_t width) {
    add(prefix + ".weight", {width});
    add(prefix + ".bias", {width});
  }
  std::vector<ExpectedTensor> take() { return std::move(table_); }

 private:
  std::vector<ExpectedTensor> table_;
};

}  // namespace

std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config, ModelHead head,
                                             std::int64_t num_labels) {
  const std::int64_t hidden = config.hidden_size;
  const std::int64_t vocab = config.embedding.vocab_size;
  TableBuilder table;
  table.add("encoder.embedding.word_embedding.weight", {vocab, hidden});
  if (config.embedding.pos_embedding == PositionEmbedding::kScaledSinusoidal) {
    table.add("encoder.embedding.pos_embedding.scale_factor", {1});
  } else {
    table.add("encoder.embedding.pos_embedding.embedding.weight",
              {config.embedding.max_seq_length, hidden});
  }
  if (config.embedding.normalization) table.add_norm("encoder.embedding.norm", hidden);

  const std::int64_t width = config.feedforward_width();
  for (std::int64_t layer = 0; layer < config.num_transformer_layers; ++layer) {
    const std::string prefix = "encoder.layers." + std::to_string(layer) + ".";
    table.add_norm(prefix + "norm1", hidden);
    table.add_norm(prefix + "norm2", hidden);
    table.add(prefix + "attn.self_attention.query_key_value.weight", {3 * hidden, hidden});
    table.add(prefix + "attn.self_attention.norm_factor", {});
    table.add(prefix + "attn.dense.weight", {hidden, hidden});
    if (config.intermed_type == FeedforwardKind::kFastFeedforward) {
      table.add(prefix + "ffn.linear_in.weight", {width, hidden});
      table.add(prefix + "ffn.linear_in.bias", {width});
      table.add(prefix + "ffn.linear_out.weight", {hidden, width});
    } else {
      table.add(prefix + "ffn.dense_in.weight", {width, hidden});
      table.add(prefix + "ffn.dense_out.weight", {hidden, width});
    }
  }
  if (config.final_norm) table.add_norm("encoder.final_norm", hidden);

  if (head == ModelHead::kMaskedLm) {
    table.add("decoder.weight", {vocab, hidden});
  } else {
    const std::int64_t head_dim = config.classification_head.head_dim;
    table.add("pooler.dense.weight", {head_dim, hidden});
    table.add("pooler.dense.bias", {head_dim});
    table.add("head.weight", {num_labels, head_dim});
    table.add("head.bias", {num_labels});
  }
  return table.take();
}

}  // namespace ufb::io

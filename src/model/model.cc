#include "ufb/model/model.h"

#include <algorithm>
#include <numeric>
#include <string>

#include "ufb/error.h"
#include "ufb/model/heads.h"
#include "ufb/ops/linear.h"
#include "ufb/ops/softmax.h"

namespace ufb::model {
namespace {

const io::Checkpoint& require(const std::unique_ptr<const io::Checkpoint>& checkpoint) {
  if (!checkpoint) throw Error("model: no checkpoint given");
  return *checkpoint;
}

TokenLimits limits_of(const io::ModelConfig& config) {
  return {config.embedding.vocab_size, config.embedding.max_seq_length,
          static_cast<int32_t>(config.embedding.pad_token_id)};
}

}  // namespace

Model::Model(const std::filesystem::path& model_dir, const ModelOptions& options)
    : Model(std::make_unique<const io::Checkpoint>(model_dir), options) {}

Model::Model(std::unique_ptr<const io::Checkpoint> checkpoint, const ModelOptions& options)
    : checkpoint_(std::move(checkpoint)),
      limits_(limits_of(require(checkpoint_).config())),
      encoder_(*checkpoint_, options) {}

void Model::require_head(io::ModelHead head, const char* call) const {
  if (checkpoint_->head() == head) return;
  const bool wants_mlm = head == io::ModelHead::kMaskedLm;
  throw Error(std::string(call) + " needs a " +
              (wants_mlm ? "masked-LM model (" + io::tensor_name(io::TensorRole::kDecoderWeight) + ")"
                         : std::string("classification model (pooler.dense and head tensors)")) +
              ", " + checkpoint_->weights_source() + " holds a " +
              (wants_mlm ? "classification" : "masked-LM") + " model");
}

HiddenStates Model::encode(std::span<const TokenIds> batch, PaddingRows padding) const {
  return encoder_.forward(pad_batch(batch, limits_), padding);
}

std::vector<float> Model::mlm_logits(std::span<const TokenIds> batch,
                                     std::span<const TokenPosition> positions) const {
  require_head(io::ModelHead::kMaskedLm, "mlm_logits");
  const PaddedBatch padded = pad_batch(batch, limits_);
  for (const TokenPosition& at : positions) {
    if (at.sequence < 0 || at.sequence >= padded.size || at.position < 0 ||
        at.position >= padded.lengths[at.sequence]) {
      throw Error("position " + std::to_string(at.position) + " of sequence " +
                  std::to_string(at.sequence) + " is not a token of the batch (" +
                  std::to_string(padded.size) + " sequences)");
    }
  }
  const HiddenStates states = encoder_.forward(padded, PaddingRows::skip);
  const auto count = static_cast<int64_t>(positions.size());
  std::vector<float> gathered(count * states.hidden);
  for (int64_t i = 0; i < count; ++i) {
    const std::span<const float> row = states.row(positions[i].sequence, positions[i].position);
    std::copy(row.begin(), row.end(), gathered.begin() + i * states.hidden);
  }
  const ops::LinearWeights<float> decoder =
      head_layer<float>(states.hidden, encoder_.weights().decoder());
  std::vector<float> logits(count * decoder.out_features);
  ops::linear(decoder, gathered, count, logits);
  return logits;
}

std::vector<std::vector<TokenPrediction>> Model::fill_mask(
    std::span<const TokenIds> batch, std::span<const TokenPosition> positions,
    int64_t top_k) const {
  if (top_k < 1) throw Error("fill_mask: top_k must be >= 1, got " + std::to_string(top_k));
  const std::vector<float> logits = mlm_logits(batch, positions);
  const int64_t vocab = limits_.vocab_size;
  const int64_t shown = std::min(top_k, vocab);
  std::vector<std::vector<TokenPrediction>> predictions;
  std::vector<int32_t> order(vocab);
  for (size_t i = 0; i < positions.size(); ++i) {
    const std::span<const float> row(logits.data() + i * vocab, vocab);
    std::vector<float> probabilities(row.begin(), row.end());
    ops::softmax_inplace(probabilities);
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + shown, order.end(),
                      [&](int32_t a, int32_t b) { return row[a] > row[b] || (row[a] == row[b] && a < b); });
    std::vector<TokenPrediction>& best = predictions.emplace_back();
    for (int64_t k = 0; k < shown; ++k) {
      best.push_back({order[k], row[order[k]], probabilities[order[k]]});
    }
  }
  return predictions;
}

PaddingRows Model::pooler_padding() const {
  return config().classification_head.pooler == io::Pooler::kAverage ? PaddingRows::compute
                                                                     : PaddingRows::skip;
}

std::vector<float> Model::pooler_features(const HiddenStates& states) const {
  std::vector<float> pooled(states.batch * states.hidden);
  pool_sequences<float>(config().classification_head.pooler, states.values, states.batch,
                        states.length, states.hidden, pooled);
  const WeightViews& weights = encoder_.weights();
  const ops::LinearWeights<float> dense =
      head_layer<float>(states.hidden, weights.pooler_weight, weights.pooler_bias);
  std::vector<float> features(states.batch * dense.out_features);
  pooler_forward<float>(dense, pooled, states.batch, features);
  return features;
}

std::vector<float> Model::head_logits(std::span<const float> features, int64_t batch) const {
  const WeightViews& weights = encoder_.weights();
  const int64_t features_width = static_cast<int64_t>(weights.pooler_bias.size());
  const ops::LinearWeights<float> head =
      head_layer<float>(features_width, weights.head_weight, weights.head_bias);
  std::vector<float> logits(batch * head.out_features);
  ops::linear(head, features, batch, logits);
  return logits;
}

Embeddings Model::embed(std::span<const TokenIds> batch, EmbeddingPooling pooling) const {
  const PaddedBatch padded = pad_batch(batch, limits_);
  if (pooling == EmbeddingPooling::pooler) {
    require_head(io::ModelHead::kClassification, "embed with the model's pooler");
    std::vector<float> features = pooler_features(encoder_.forward(padded, pooler_padding()));
    const auto width = static_cast<int64_t>(features.size()) / padded.size;
    return {padded.size, width, std::move(features)};
  }
  const HiddenStates states = encoder_.forward(padded, PaddingRows::skip);
  Embeddings embeddings{padded.size, states.hidden,
                        std::vector<float>(padded.size * states.hidden)};
  for (int64_t b = 0; b < padded.size; ++b) {
    const std::span<float> out(embeddings.values.data() + b * states.hidden, states.hidden);
    const int64_t rows = pooling == EmbeddingPooling::mean ? padded.lengths[b] : 1;
    mean_of_rows<float>(states.values, states.length, states.hidden, b, rows, out);
  }
  return embeddings;
}

Classification Model::classify(std::span<const TokenIds> batch) const {
  require_head(io::ModelHead::kClassification, "classify");
  const PaddedBatch padded = pad_batch(batch, limits_);
  const std::vector<float> features = pooler_features(encoder_.forward(padded, pooler_padding()));
  Classification result{padded.size, 0, head_logits(features, padded.size), {}};
  result.num_labels = static_cast<int64_t>(result.logits.size()) / padded.size;
  if (result.num_labels > 1) {
    result.probabilities = result.logits;
    for (int64_t b = 0; b < result.batch; ++b) {
      ops::softmax_inplace(std::span<float>(result.probabilities)
                               .subspan(b * result.num_labels, result.num_labels));
    }
  }
  return result;
}

ModelTrace Model::trace(const PaddedBatch& batch) const {
  ModelTrace trace;
  trace.hidden = encoder_.forward(batch, PaddingRows::compute, &trace.encoder);
  if (checkpoint_->head() == io::ModelHead::kMaskedLm) {
    const ops::LinearWeights<float> decoder =
        head_layer<float>(trace.hidden.hidden, encoder_.weights().decoder());
    const int64_t rows = batch.size * batch.length;
    trace.head_width = decoder.out_features;
    trace.head_logits.resize(rows * decoder.out_features);
    ops::linear(decoder, trace.hidden.values, rows, trace.head_logits);
  } else {
    trace.head_logits = head_logits(pooler_features(trace.hidden), batch.size);
    trace.head_width = static_cast<int64_t>(trace.head_logits.size()) / batch.size;
  }
  return trace;
}

}  // namespace ufb::model

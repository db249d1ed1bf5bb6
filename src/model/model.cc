#include "ufb/model/model.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>
#include <numeric>
#include <string>

#include "ufb/error.h"
#include "model/heads.h"
#include "ufb/ops/activation.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "ops/softmax.h"

namespace ufb::model {
namespace {

const io::Checkpoint& require(const std::unique_ptr<const io::Checkpoint>& checkpoint) {
  if (!checkpoint) throw Error("model: no checkpoint given");
  return *checkpoint;
}

TokenLimits limits_of(const io::ModelConfig& config) {
  return {config.embedding.vocab_size, config.embedding.max_seq_length,
          static_cast<int32_t>(config.embedding.pad_token_id), config.embedding.type_vocab_size};
}

}  // namespace

Embeddings pool_hidden_states(const HiddenStates& states, EmbeddingPooling pooling) {
  if (pooling == EmbeddingPooling::pooler) {
    throw Error("pool_hidden_states: the pooler is the model's (Model::embed)");
  }
  const int64_t width = states.hidden;
  Embeddings embeddings{states.batch, width, std::vector<float>(states.batch * width)};
  for (int64_t b = 0; b < states.batch; ++b) {
    const std::span<float> out(embeddings.values.data() + b * width, width);
    int64_t tokens = 0;
    while (tokens < states.length && states.mask[b * states.length + tokens] == 1) ++tokens;
    const float* first = states.values.data() + b * states.length * width;
    switch (pooling) {
      case EmbeddingPooling::first:
        std::copy_n(first, width, out.begin());
        break;
      case EmbeddingPooling::max:
        std::copy_n(first, width, out.begin());
        for (int64_t p = 1; p < tokens; ++p) {
          for (int64_t h = 0; h < width; ++h) out[h] = std::max(out[h], first[p * width + h]);
        }
        break;
      case EmbeddingPooling::mean:
      case EmbeddingPooling::mean_sqrt_len: {
        mean_of_rows<float>(states.values, states.length, width, b, tokens, out);
        if (pooling == EmbeddingPooling::mean) break;
        // sentence-transformers: sum / √n = mean · √n.
        const float scale = std::sqrt(static_cast<float>(tokens));
        for (float& value : out) value *= scale;
        break;
      }
      case EmbeddingPooling::pooler: break;
    }
  }
  return embeddings;
}

Model::Model(const std::filesystem::path& model_dir, const ModelOptions& options)
    : Model(std::make_unique<const io::Checkpoint>(model_dir), options) {}

struct Model::PreparedDecoder {
  std::mutex mutex;
  std::unique_ptr<const ops::PreparedLinear> linear;  // made once on the CPU, then only read
};

Model::Model(std::unique_ptr<const io::Checkpoint> checkpoint, const ModelOptions& options)
    : checkpoint_(std::move(checkpoint)),
      limits_(limits_of(require(checkpoint_).config())),
      encoder_(*checkpoint_, options),
      decoder_(std::make_unique<PreparedDecoder>()) {}

Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

int64_t Model::weight_bytes() const {
  int64_t bytes = encoder_.weight_bytes(*checkpoint_);
  const std::lock_guard lock(decoder_->mutex);
  if (decoder_->linear) bytes += decoder_->linear->held_bytes();
  return bytes;
}

void Model::require_head(io::ModelHead head, const char* call) const {
  if (checkpoint_->head() == head) return;
  throw Error(std::string(call) + " needs " + std::string(io::describe(head)) + ", " +
              checkpoint_->weights_source() + " holds " + std::string(io::describe(checkpoint_->head())));
}

HiddenStates Model::encode(std::span<const TokenIds> batch, PaddingRows padding,
                           std::span<const TokenIds> token_types) const {
  return encoder_.forward(pad_batch(batch, limits_, token_types), padding);
}

std::vector<float> Model::decode(std::span<const float> hidden, int64_t rows) const {
  const WeightViews& weights = encoder_.weights();
  const int64_t width = config().hidden_size;
  std::span<const float> input = hidden;
  std::vector<float> transformed;
  if (config().mlm_head_transform) {
    // BERT's cls.predictions.transform: LN(act(h · W_t^T + b_t)).
    std::vector<float> dense(rows * width);
    ops::linear(head_layer<float>(width, weights.mlm_transform_weight, weights.mlm_transform_bias),
                hidden, rows, dense);
    for (float& value : dense) value = ops::activate(config().activation, value);
    transformed.resize(dense.size());
    ops::layer_norm(std::span<const float>(dense), rows, weights.mlm_norm_weight, weights.mlm_norm_bias,
                    config().norm_eps, std::span<float>(transformed), nullptr);
    input = transformed;
  }
  const ops::LinearWeights<float> decoder =
      head_layer<float>(width, weights.decoder(), weights.decoder_bias);
  std::vector<float> logits(rows * decoder.out_features);
  if (encoder_.dtype() == ops::WeightType::f32) {
    ops::linear(decoder, input, rows, logits);
  } else {
    const ops::PreparedLinear* prepared = nullptr;
    {
      const std::lock_guard lock(decoder_->mutex);
      if (!decoder_->linear) {
        decoder_->linear = ops::make_prepared_linear(decoder, ops::LinearOutput::overwrite, encoder_.dtype());
      }
      prepared = decoder_->linear.get();
    }
    prepared->forward(input, rows, logits);
  }
  return logits;
}

std::vector<float> Model::mlm_logits(std::span<const TokenIds> batch,
                                     std::span<const TokenPosition> positions,
                                     std::span<const TokenIds> token_types) const {
  require_head(io::ModelHead::kMaskedLm, "mlm_logits");
  const PaddedBatch padded = pad_batch(batch, limits_, token_types);
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
  return decode(gathered, count);
}

std::vector<std::vector<TokenPrediction>> Model::fill_mask(
    std::span<const TokenIds> batch, std::span<const TokenPosition> positions,
    int64_t top_k, std::span<const TokenIds> token_types) const {
  if (top_k < 1) throw Error("fill_mask: top_k must be >= 1, got " + std::to_string(top_k));
  const std::vector<float> logits = mlm_logits(batch, positions, token_types);
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

Embeddings Model::embed(std::span<const TokenIds> batch, EmbeddingPooling pooling,
                        std::span<const TokenIds> token_types) const {
  const PaddedBatch padded = pad_batch(batch, limits_, token_types);
  if (pooling == EmbeddingPooling::pooler) {
    if (!encoder_.weights().has_pooler()) {
      throw Error("embed with the model's pooler needs a model with one; " +
                  checkpoint_->weights_source() + " has no pooler.dense weights");
    }
    std::vector<float> features = pooler_features(encoder_.forward(padded, pooler_padding()));
    const auto width = static_cast<int64_t>(features.size()) / padded.size;
    return {padded.size, width, std::move(features)};
  }
  return pool_hidden_states(encoder_.forward(padded, PaddingRows::skip), pooling);
}

Classification Model::classify(std::span<const TokenIds> batch,
                               std::span<const TokenIds> token_types) const {
  require_head(io::ModelHead::kClassification, "classify");
  const PaddedBatch padded = pad_batch(batch, limits_, token_types);
  const std::vector<float> features = pooler_features(encoder_.forward(padded, pooler_padding()));
  Classification result{padded.size, 0, io::ProblemType::kSingleLabel,
                        head_logits(features, padded.size), {}};
  result.num_labels = static_cast<int64_t>(result.logits.size()) / padded.size;
  result.problem_type = config().resolved_problem_type(result.num_labels);
  switch (result.problem_type) {
    case io::ProblemType::kRegression: break;
    case io::ProblemType::kMultiLabel:
      result.probabilities = result.logits;
      for (float& value : result.probabilities) value = 1.0f / (1.0f + std::exp(-value));
      break;
    case io::ProblemType::kSingleLabel:
      result.probabilities = result.logits;
      for (int64_t b = 0; b < result.batch; ++b) {
        ops::softmax_inplace(std::span<float>(result.probabilities)
                                 .subspan(b * result.num_labels, result.num_labels));
      }
      break;
  }
  return result;
}

ModelTrace Model::trace(const PaddedBatch& batch) const {
  ModelTrace trace;
  trace.hidden = encoder_.forward(batch, PaddingRows::compute, &trace.encoder);
  if (checkpoint_->head() == io::ModelHead::kMaskedLm) {
    trace.head_logits = decode(trace.hidden.values, batch.size * batch.length);
    trace.head_width = config().embedding.vocab_size;
  } else if (checkpoint_->head() == io::ModelHead::kClassification) {
    trace.head_logits = head_logits(pooler_features(trace.hidden), batch.size);
    trace.head_width = static_cast<int64_t>(trace.head_logits.size()) / batch.size;
  }
  return trace;
}

}  // namespace ufb::model

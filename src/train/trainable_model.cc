#include "train/trainable_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ufb/error.h"
#include "model/heads.h"
#include "ufb/ops/activation.h"
#include "ops/embedding.h"
#include "ops/layer_norm.h"
#include "ops/linear.h"
#include "train/dropout.h"
#include "train/losses.h"

namespace ufb::train {
namespace {

constexpr uint64_t kClassifierDropoutSite = ~uint64_t{0};

void check_batch(const TrainBatch& batch, io::ModelHead head, const io::ModelConfig& config) {
  const auto rows = static_cast<size_t>(batch.rows());
  bool fits = batch.sequences >= 1 && batch.length >= 1 &&
              batch.length <= config.embedding.max_seq_length && batch.ids.size() == rows &&
              batch.lengths.size() == static_cast<size_t>(batch.sequences);
  if (head == io::ModelHead::kMaskedLm) {
    fits &= batch.mlm_labels.size() == rows;
  } else if (config.num_labels.value_or(0) == 1 || batch.class_labels.empty()) {
    fits &= batch.regression_targets.size() == static_cast<size_t>(batch.sequences);
  } else {
    fits &= batch.class_labels.size() == static_cast<size_t>(batch.sequences);
  }
  if (!fits) {
    throw Error("training batch of " + std::to_string(batch.sequences) + " sequences of length " +
                std::to_string(batch.length) + " (max " +
                std::to_string(config.embedding.max_seq_length) + ") has " +
                std::to_string(batch.ids.size()) + " ids and labels that do not fit it");
  }
}

}  // namespace

template <class T>
TrainableModel<T>::TrainableModel(io::ModelConfig config, ParameterSet<T> parameters,
                                  DropoutRates dropout)
    : config_(std::move(config)),
      head_(parameters.head()),
      parameters_(std::move(parameters)),
      dropout_(dropout) {
  if (head_ == io::ModelHead::kClassification &&
      config_.resolved_problem_type(static_cast<int64_t>(parameters_.weights().head_bias.value.size())) ==
          io::ProblemType::kMultiLabel) {
    throw Error("training a multi-label classifier (problem_type multi_label_classification) is not "
                "implemented; single-label classification and regression are");
  }
  if (config_.embedding.pos_embedding == io::PositionEmbedding::kScaledSinusoidal) {
    const std::vector<float> table =
        ops::sinusoidal_positions(config_.embedding.max_seq_length, config_.hidden_size);
    sinusoidal_.assign(table.begin(), table.end());
  }
}

template <class T>
std::vector<T> TrainableModel<T>::encode(const TrainBatch& batch, EncoderState<T>* state,
                                         const DropoutContext& dropout) const {
  const TrainingKernels<T> kernels(config_, parameters_, sinusoidal_, batch);
  const BatchDropout<T> batch_dropout(config_, batch, dropout);
  return model::encoder_forward(config_, parameters_.weights(), kernels, padded_sequences(batch),
                                batch.rows(), state, &batch_dropout);
}

template <class T>
double TrainableModel<T>::forward_backward(const TrainBatch& batch,
                                           const std::optional<CounterRandom>& dropout_random,
                                           T grad_scale) {
  check_batch(batch, head_, config_);
  const DropoutContext dropout{dropout_random, dropout_};
  EncoderState<T> state;
  const std::vector<T> hidden = encode(batch, &state, dropout);
  std::vector<T> dhidden(hidden.size(), T{0});
  const double loss = head_loss(batch, hidden, true, grad_scale, dropout, dhidden);
  encoder_backward<T>(config_, parameters_, sinusoidal_, batch, state, dhidden);
  return loss;
}

template <class T>
double TrainableModel<T>::loss(const TrainBatch& batch) {
  check_batch(batch, head_, config_);
  const std::vector<T> hidden = encode(batch, nullptr, {});
  std::vector<T> dhidden(hidden.size());
  return head_loss(batch, hidden, false, T{1}, {}, dhidden);
}

template <class T>
std::vector<T> TrainableModel<T>::hidden_states(const TrainBatch& batch, EncoderState<T>* state) {
  return encode(batch, state, {});
}

template <class T>
void TrainableModel<T>::backward_from_hidden_states(const TrainBatch& batch, EncoderState<T>& state,
                                                    std::span<const T> dhidden) {
  if (dhidden.size() != static_cast<size_t>(batch.rows() * config_.hidden_size)) {
    throw Error("hidden-state gradient of " + std::to_string(dhidden.size()) + " values for a batch of " +
                std::to_string(batch.rows()) + " rows of width " + std::to_string(config_.hidden_size));
  }
  encoder_backward<T>(config_, parameters_, sinusoidal_, batch, state, dhidden);
}

template <class T>
double TrainableModel<T>::head_loss(const TrainBatch& batch, std::span<const T> hidden,
                                    bool backward, T grad_scale, const DropoutContext& dropout,
                                    std::span<T> dhidden) {
  if (head_ == io::ModelHead::kMaskedLm) {
    return masked_lm_loss(batch, hidden, backward, grad_scale, dhidden);
  }
  return classification_loss(batch, hidden, backward, grad_scale, dropout, dhidden);
}

template <class T>
double TrainableModel<T>::masked_lm_loss(const TrainBatch& batch, std::span<const T> hidden,
                                         bool backward, T grad_scale, std::span<T> dhidden) {
  const int64_t width = config_.hidden_size;
  std::vector<int64_t> rows;
  std::vector<int32_t> labels;
  for (int64_t r = 0; r < batch.rows(); ++r) {
    if (batch.mlm_labels[r] == kIgnoredLabel) continue;
    rows.push_back(r);
    labels.push_back(batch.mlm_labels[r]);
  }
  if (rows.empty()) return 0.0;
  const auto count = static_cast<int64_t>(rows.size());
  std::vector<T> gathered(count * width);
  for (int64_t i = 0; i < count; ++i) {
    std::copy_n(hidden.begin() + rows[i] * width, width, gathered.begin() + i * width);
  }
  typename ParameterSet<T>::Weights& weights = parameters_.weights();
  // BERT's transform before the decoder: LN(act(h · W_t^T + b_t)).
  const bool transform = config_.mlm_head_transform;
  const ops::LinearWeights<T> dense =
      model::head_layer<T>(width, weights.mlm_transform_weight.value, weights.mlm_transform_bias.value);
  std::vector<T> pre_activation, activated, transformed;
  ops::LayerNormStats stats;
  if (transform) {
    pre_activation.resize(gathered.size());
    ops::linear(dense, gathered, count, pre_activation);
    activated.resize(gathered.size());
    for (size_t i = 0; i < activated.size(); ++i) {
      activated[i] = ops::activate(config_.activation, pre_activation[i]);
    }
    transformed.resize(gathered.size());
    ops::layer_norm(std::span<const T>(activated), count, values(weights.mlm_norm_weight),
                    values(weights.mlm_norm_bias), config_.norm_eps, std::span<T>(transformed), &stats);
  }
  const std::vector<T>& decoded = transform ? transformed : gathered;
  Parameter<T>& decoder = weights.tied_decoder() ? weights.word_embedding : weights.decoder_weight;
  const int64_t vocab = config_.embedding.vocab_size;
  const ops::LinearWeights<T> layer = model::head_layer<T>(width, decoder.value, weights.decoder_bias.value);
  std::vector<T> logits(count * vocab);
  ops::linear(layer, decoded, count, logits);
  std::vector<T> dlogits(logits.size());
  const double loss = cross_entropy<T>(logits, count, vocab, labels, grad_scale, dlogits);
  if (!backward) return loss;
  std::vector<T> ddecoded(gathered.size(), T{0});
  ops::linear_backward(layer, decoded, count, dlogits, ddecoded, {decoder.grad, weights.decoder_bias.grad});
  std::vector<T> dgathered = std::move(ddecoded);
  if (transform) {
    std::vector<T> dactivated(gathered.size(), T{0});
    ops::layer_norm_backward(std::span<const T>(activated), count, values(weights.mlm_norm_weight), stats,
                             std::span<const T>(dgathered), std::span<T>(dactivated),
                             grad(weights.mlm_norm_weight), grad(weights.mlm_norm_bias));
    for (size_t i = 0; i < dactivated.size(); ++i) {
      dactivated[i] *= ops::activation_derivative(config_.activation, pre_activation[i]);
    }
    std::fill(dgathered.begin(), dgathered.end(), T{0});
    ops::linear_backward(dense, gathered, count, dactivated, dgathered,
                         {weights.mlm_transform_weight.grad, weights.mlm_transform_bias.grad});
  }
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t h = 0; h < width; ++h) dhidden[rows[i] * width + h] += dgathered[i * width + h];
  }
  return loss;
}

template <class T>
double TrainableModel<T>::classification_loss(const TrainBatch& batch, std::span<const T> hidden,
                                              bool backward, T grad_scale,
                                              const DropoutContext& dropout, std::span<T> dhidden) {
  const int64_t width = config_.hidden_size;
  const int64_t sequences = batch.sequences;
  const io::Pooler pooler_kind = config_.classification_head.pooler;
  std::vector<T> pooled(sequences * width);
  model::pool_sequences<T>(pooler_kind, hidden, sequences, batch.length, width, pooled);
  typename ParameterSet<T>::Weights& weights = parameters_.weights();
  const ops::LinearWeights<T> pooler =
      model::head_layer<T>(width, weights.pooler_weight.value, weights.pooler_bias.value);
  std::vector<T> features(sequences * pooler.out_features);
  model::pooler_forward<T>(pooler, pooled, sequences, features);
  std::vector<T> scales;
  if (dropout.random && dropout.rates.classifier > 0.0) {
    scales.resize(features.size());
    const CounterRandom site = dropout.random->child(kClassifierDropoutSite);
    for (int64_t b = 0; b < sequences; ++b) {
      dropout_scales<T>(site.child(batch.first_sample + b), 0, dropout.rates.classifier,
                        std::span<T>(scales).subspan(b * pooler.out_features, pooler.out_features));
    }
  }
  std::vector<T> dropped = features;
  for (size_t i = 0; i < scales.size(); ++i) dropped[i] *= scales[i];
  const ops::LinearWeights<T> head =
      model::head_layer<T>(pooler.out_features, weights.head_weight.value, weights.head_bias.value);
  std::vector<T> logits(sequences * head.out_features);
  ops::linear(head, dropped, sequences, logits);
  std::vector<T> dlogits(logits.size());
  double loss = 0.0;
  if (head.out_features == 1) {
    const std::vector<T> targets(batch.regression_targets.begin(), batch.regression_targets.end());
    loss = mean_squared_error<T>(logits, targets, grad_scale, dlogits);
  } else {
    loss = cross_entropy<T>(logits, sequences, head.out_features, batch.class_labels, grad_scale, dlogits);
  }
  if (!backward) return loss;
  std::vector<T> ddropped(dropped.size(), T{0});
  ops::linear_backward(head, dropped, sequences, dlogits, ddropped,
                       {weights.head_weight.grad, weights.head_bias.grad});
  for (size_t i = 0; i < ddropped.size(); ++i) {
    const T scale = scales.empty() ? T{1} : scales[i];
    ddropped[i] *= scale * (T{1} - features[i] * features[i]);  // through dropout and tanh
  }
  std::vector<T> dpooled(pooled.size(), T{0});
  ops::linear_backward(pooler, pooled, sequences, ddropped, dpooled,
                       {weights.pooler_weight.grad, weights.pooler_bias.grad});
  model::pool_sequences_backward<T>(pooler_kind, dpooled, sequences, batch.length, width, dhidden);
  return loss;
}

template class TrainableModel<float>;
template class TrainableModel<double>;

}  // namespace ufb::train

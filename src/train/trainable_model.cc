#include "ufb/train/trainable_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "ufb/error.h"
#include "ufb/ops/linear.h"
#include "ufb/train/dropout.h"
#include "ufb/train/losses.h"

namespace ufb::train {
namespace {

constexpr uint64_t kClassifierDropoutSite = ~uint64_t{0};

// A linear layer of the heads: [out_features, in_features] weight and its bias.
template <class T>
ops::LinearWeights<T> head_layer(const Parameter<T>& weight, const Parameter<T>& bias, int64_t in_features) {
  return {in_features, static_cast<int64_t>(bias.value.size()), weight.value, bias.value};
}

template <class T>
ops::LinearGrads<T> head_grads(Parameter<T>& weight, Parameter<T>& bias) {
  return {weight.grad, bias.grad};
}

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
      dropout_(dropout),
      encoder_(config_, parameters_) {}

template <class T>
double TrainableModel<T>::forward_backward(const TrainBatch& batch,
                                           const std::optional<CounterRandom>& dropout_random,
                                           T grad_scale) {
  check_batch(batch, head_, config_);
  const DropoutContext dropout{dropout_random, dropout_};
  std::vector<T> hidden;
  auto activations = encoder_.forward(batch, dropout, hidden);
  std::vector<T> dhidden(hidden.size(), T{0});
  const double loss = head_loss(batch, hidden, true, grad_scale, dropout, dhidden);
  encoder_.backward(batch, *activations, dhidden);
  return loss;
}

template <class T>
double TrainableModel<T>::loss(const TrainBatch& batch) {
  check_batch(batch, head_, config_);
  std::vector<T> hidden;
  encoder_.forward(batch, {}, hidden);
  std::vector<T> dhidden(hidden.size());
  return head_loss(batch, hidden, false, T{1}, {}, dhidden);
}

template <class T>
std::vector<T> TrainableModel<T>::hidden_states(const TrainBatch& batch) {
  std::vector<T> hidden;
  encoder_.forward(batch, {}, hidden);
  return hidden;
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
  Parameter<T>& decoder = weights.tied_decoder() ? weights.word_embedding : weights.decoder_weight;
  const int64_t vocab = config_.embedding.vocab_size;
  const ops::LinearWeights<T> layer{width, vocab, decoder.value, {}};
  std::vector<T> logits(count * vocab);
  ops::linear(layer, gathered, count, logits);
  std::vector<T> dlogits(logits.size());
  const double loss = cross_entropy<T>(logits, count, vocab, labels, grad_scale, dlogits);
  if (!backward) return loss;
  std::vector<T> dgathered(gathered.size(), T{0});
  ops::linear_backward(layer, gathered, count, dlogits, dgathered, {decoder.grad, {}});
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
  const bool average = config_.classification_head.pooler == io::Pooler::kAverage;
  // Pool: the mean over every position, padding included (MODEL.md §2.6), or position 0.
  const int64_t pooled_rows = average ? batch.length : 1;
  std::vector<T> pooled(sequences * width, T{0});
  for (int64_t b = 0; b < sequences; ++b) {
    for (int64_t h = 0; h < width; ++h) {
      double sum = 0.0;
      for (int64_t p = 0; p < pooled_rows; ++p) sum += hidden[(b * batch.length + p) * width + h];
      pooled[b * width + h] = static_cast<T>(sum / static_cast<double>(pooled_rows));
    }
  }
  typename ParameterSet<T>::Weights& weights = parameters_.weights();
  const ops::LinearWeights<T> pooler = head_layer(weights.pooler_weight, weights.pooler_bias, width);
  std::vector<T> features(sequences * pooler.out_features);
  ops::linear(pooler, pooled, sequences, features);
  for (T& value : features) value = std::tanh(value);
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
  const ops::LinearWeights<T> head = head_layer(weights.head_weight, weights.head_bias, pooler.out_features);
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
  ops::linear_backward(head, dropped, sequences, dlogits, ddropped, head_grads(weights.head_weight, weights.head_bias));
  for (size_t i = 0; i < ddropped.size(); ++i) {
    const T scale = scales.empty() ? T{1} : scales[i];
    ddropped[i] *= scale * (T{1} - features[i] * features[i]);  // through dropout and tanh
  }
  std::vector<T> dpooled(pooled.size(), T{0});
  ops::linear_backward(pooler, pooled, sequences, ddropped, dpooled, head_grads(weights.pooler_weight, weights.pooler_bias));
  for (int64_t b = 0; b < sequences; ++b) {
    for (int64_t p = 0; p < pooled_rows; ++p) {
      for (int64_t h = 0; h < width; ++h) {
        dhidden[(b * batch.length + p) * width + h] += dpooled[b * width + h] / static_cast<T>(pooled_rows);
      }
    }
  }
  return loss;
}

template class TrainableModel<float>;
template class TrainableModel<double>;

}  // namespace ufb::train

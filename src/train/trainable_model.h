#pragma once

// A crammedBERT / UltraFastBERT or BERT-family model that learns: the encoder plus the masked-LM
// head (BERT's transform, if any, then the decoder tied to the word embedding; loss over the
// predicted positions only: sparse_prediction) or the classification head (pooler, tanh,
// dropout, head; cross-entropy, or MSE with one label), docs/model.md §2.5–2.6, §5. Scalar type:
// float to train, double to check gradients.

#include <span>
#include <vector>

#include "ufb/io/config.h"
#include "ufb/io/tensor_table.h"
#include "train/encoder_training.h"
#include "ufb/train/parameters.h"
#include "train/train_batch.h"

namespace ufb::train {

template <class T>
class TrainableModel {
 public:
  TrainableModel(io::ModelConfig config, ParameterSet<T> parameters, DropoutRates dropout);
  TrainableModel(const TrainableModel&) = delete;
  TrainableModel& operator=(const TrainableModel&) = delete;

  const io::ModelConfig& config() const { return config_; }
  io::ModelHead head() const { return head_; }
  ParameterSet<T>& parameters() { return parameters_; }
  const ParameterSet<T>& parameters() const { return parameters_; }

  // The batch's mean loss. Adds grad_scale · d(loss)/dθ to every trainable parameter's grad
  // (call parameters().zero_grads() first, or not, to accumulate). `dropout_random` keyed by the
  // seed and step turns dropout on; nullopt runs without it. A masked-LM batch with no
  // predicted position has loss 0 and adds nothing.
  double forward_backward(const TrainBatch& batch, const std::optional<CounterRandom>& dropout_random,
                          T grad_scale = T{1});
  // The loss alone, without dropout and without touching the gradients.
  double loss(const TrainBatch& batch);
  // Final hidden states [rows, hidden] of every position, without dropout; with `state`, kept
  // for backward_from_hidden_states.
  std::vector<T> hidden_states(const TrainBatch& batch, EncoderState<T>* state = nullptr);
  // Adds d(loss)/dθ to every parameter's grad, given d(loss)/d(final hidden states) [rows,
  // hidden] of the hidden_states() call that kept `state` (used up): a loss on the encoder's
  // output instead of a head's, as distillation computes it.
  void backward_from_hidden_states(const TrainBatch& batch, EncoderState<T>& state,
                                   std::span<const T> dhidden);

 private:
  // Loss and d(loss)/d(hidden states) · grad_scale; head parameter grads added when `backward`.
  double head_loss(const TrainBatch& batch, std::span<const T> hidden, bool backward, T grad_scale,
                   const DropoutContext& dropout, std::span<T> dhidden);
  double masked_lm_loss(const TrainBatch& batch, std::span<const T> hidden, bool backward,
                        T grad_scale, std::span<T> dhidden);
  double classification_loss(const TrainBatch& batch, std::span<const T> hidden, bool backward,
                             T grad_scale, const DropoutContext& dropout, std::span<T> dhidden);
  // The encoder's final hidden states [rows, hidden]; with `state`, kept for the backward pass
  // and with `dropout` applied.
  std::vector<T> encode(const TrainBatch& batch, EncoderState<T>* state,
                        const DropoutContext& dropout) const;

  io::ModelConfig config_;
  io::ModelHead head_;
  ParameterSet<T> parameters_;
  DropoutRates dropout_;
  std::vector<T> sinusoidal_;  // the position table; empty for learned positions
};

}  // namespace ufb::train

#pragma once

// Training's side of the encoder (docs/model.md §2.1–2.4): the kernels and dropout the shared forward
// pass (model/encoder_forward.h) runs with over the parameters, and the backward pass through
// the state that pass kept, which adds every parameter's gradient.

#include <optional>
#include <span>
#include <vector>

#include "ufb/io/config.h"
#include "model/encoder_forward.h"
#include "ufb/ops/attention.h"
#include "ufb/ops/fff.h"
#include "train/arch_options.h"
#include "train/counter_random.h"
#include "train/feedforward.h"
#include "ufb/train/parameters.h"
#include "train/train_batch.h"

namespace ufb::train {

// Dropout of one forward pass: `random` is already keyed by the seed and step. Without it
// (nullopt) the model runs as in evaluation: no dropout.
struct DropoutContext {
  std::optional<CounterRandom> random;
  DropoutRates rates;
};

// What a layer's feedforward keeps for its backward pass: FFF paths or the dense activations.
template <class T>
struct FeedforwardState {
  ops::FffPaths<T> fff;
  DenseFfCache<T> dense;
};

template <class T>
using EncoderState = model::EncoderState<T, FeedforwardState<T>>;

// Every row of the padded batch is computed: sequence b is rows [b·length, (b+1)·length).
std::vector<ops::AttentionSequence> padded_sequences(const TrainBatch& batch);

// The projections, feedforward and embedding on the parameters, with the plain ops.
template <class T>
class TrainingKernels : public model::HostActivations<T> {
 public:
  using Scalar = T;
  using FeedforwardState = train::FeedforwardState<T>;

  // `positions`: the sinusoidal table, or empty for learned positions. All must outlive this.
  TrainingKernels(const io::ModelConfig& config, const ParameterSet<T>& parameters,
                  std::span<const T> positions, const TrainBatch& batch);

  void embed(std::span<T> x) const;
  void project(model::Projection projection, int64_t layer, std::span<const T> x, std::span<T> y,
               ops::LinearOutput output) const;
  void feedforward(int64_t layer, std::span<const T> x, std::span<T> y, std::span<int32_t> leaves,
                   FeedforwardState* state) const;
  void attend(std::span<const T> qkv, const ops::AttentionShape& shape, T score_scale,
              std::span<const ops::AttentionSequence> sequences, std::span<T> context,
              ops::AttentionState<T>* state) const {
    ops::self_attention(qkv, shape, score_scale, sequences, context, state);
  }

 private:
  const io::ModelConfig& config_;
  const ParameterSet<T>& parameters_;
  std::span<const T> positions_;
  const TrainBatch& batch_;
};

// The dropout scales of one batch: a random stream per site and sample, so that a sample's masks
// do not depend on the batch it is in or the ranks that share the step.
template <class T>
class BatchDropout final : public model::DropoutSource<T> {
 public:
  BatchDropout(const io::ModelConfig& config, const TrainBatch& batch,
               const DropoutContext& dropout);
  std::vector<T> scales(model::DropoutSite site, int64_t layer) const override;

 private:
  const io::ModelConfig& config_;
  const TrainBatch& batch_;
  const DropoutContext& dropout_;
};

// dhidden [rows, hidden]: the loss's gradient w.r.t. the final hidden states of the forward pass
// that kept `state`. Adds every encoder parameter's gradient; `state` is used up.
template <class T>
void encoder_backward(const io::ModelConfig& config, ParameterSet<T>& parameters,
                      std::span<const T> positions, const TrainBatch& batch,
                      EncoderState<T>& state, std::span<const T> dhidden);

}  // namespace ufb::train

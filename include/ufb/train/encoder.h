#pragma once

// The crammedBERT encoder for training (MODEL.md §2.1–2.4): the forward pass keeps what the
// backward pass needs; backward adds every parameter's gradient. Holds a reference to the
// parameters, which must outlive it.

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "ufb/io/config.h"
#include "ufb/train/arch_options.h"
#include "ufb/ops/attention.h"
#include "ufb/train/counter_random.h"
#include "ufb/train/feedforward.h"
#include "ufb/ops/layer_norm.h"
#include "ufb/train/parameters.h"
#include "ufb/train/train_batch.h"

namespace ufb::train {

// Dropout of one forward pass: `random` is already keyed by the seed and step. Without it
// (nullopt) the model runs as in evaluation: no dropout.
struct DropoutContext {
  std::optional<CounterRandom> random;
  DropoutRates rates;
};

template <class T>
class TrainableEncoder {
 public:
  // What the forward pass keeps for the backward pass.
  struct Activations {
    struct Layer {
      std::vector<T> input, normed1, qkv, context, mid, normed2;
      ops::LayerNormStats stats1, stats2;
      ops::AttentionState<T> attention;
      // Dropout scales of this layer's sites; empty where dropout is off.
      std::vector<T> attention_dropout, attention_output_dropout, feedforward_dropout;
      ops::FffPaths<T> fff;
      DenseFfCache<T> dense;
    };
    std::vector<T> embedded;  // before the embedding LayerNorm
    ops::LayerNormStats embedding_stats;
    std::vector<T> embedding_dropout;
    std::vector<Layer> layers;
    std::vector<T> before_final_norm;
    ops::LayerNormStats final_stats;
  };

  TrainableEncoder(const io::ModelConfig& config, ParameterSet<T>& parameters);
  ~TrainableEncoder();

  // Final hidden states [rows, hidden] of every position, padding included.
  std::unique_ptr<Activations> forward(const TrainBatch& batch, const DropoutContext& dropout,
                                       std::vector<T>& hidden_states) const;
  // dhidden [rows, hidden]: the loss's gradient w.r.t. the final hidden states.
  void backward(const TrainBatch& batch, Activations& activations, std::span<const T> dhidden);

 private:
  const io::ModelConfig& config_;
  ParameterSet<T>& parameters_;
  std::vector<T> sinusoidal_;  // empty for learned positions
};

}  // namespace ufb::train

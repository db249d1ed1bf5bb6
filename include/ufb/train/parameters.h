#pragma once

// The trainable state of a crammedBERT or BERT-family model: the typed weights (model/weights.h)
// holding, per tensor of docs/model.md §3 / §5, its values and its gradient.

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/io/checkpoint.h"
#include "ufb/io/config.h"
#include "ufb/io/tensor_table.h"
#include "ufb/model/weights.h"

namespace ufb::train {

template <class T>
struct Parameter {
  // FFF linear_out.weight is kept as [neurons, hidden] (one contiguous row per node); the
  // checkpoint's [hidden, neurons] is restored on saving.
  bool stored_transposed = false;
  bool trainable = true;     // false for the fixed norm_factor buffers
  bool weight_decay = true;  // cramming: none on biases and norms
  std::vector<T> value;
  std::vector<T> grad;
};

// A parameter's values and gradient, as the shared forward pass (model/encoder_forward.h) and the
// backward pass read a tensor.
template <class T>
std::span<const T> values(const Parameter<T>& parameter) { return parameter.value; }
template <class T>
std::span<T> grad(Parameter<T>& parameter) { return parameter.grad; }

template <class T>
class ParameterSet {
 public:
  using Weights = model::ModelWeights<Parameter<T>>;

  // cramming's (and transformers' BERT's) initialisation: weights and embeddings ~ N(0, init_std)
  // (the padding row of the word embedding 0), biases 0, LayerNorm weights 1, scale_factor
  // 1/√hidden, norm_factor 1/√head_dim. Deterministic in `seed`.
  static ParameterSet initialized(const io::ModelConfig& config, io::ModelHead head,
                                  int64_t num_labels, double init_std, uint64_t seed);
  // The weights of an opened checkpoint. With `head` kClassification and a masked-LM checkpoint
  // (or a BERT encoder without a head), the encoder is taken from it and the pooler and head
  // are initialised as above where it has none (fine-tuning); with `head` kMaskedLm and a BERT
  // encoder, so is the masked-LM transform.
  static ParameterSet from_checkpoint(const io::Checkpoint& checkpoint, io::ModelHead head,
                                      int64_t num_labels, double init_std, uint64_t seed);

  Weights& weights() { return weights_; }
  const Weights& weights() const { return weights_; }
  io::ModelHead head() const { return weights_.head(); }
  io::Architecture architecture() const { return architecture_; }

  // visit(const io::ExpectedTensor&, Parameter<T>&) for every parameter, in state-dict order.
  template <class Visit>
  void for_each(Visit&& visit) { weights_.for_each_tensor(visit); }
  template <class Visit>
  void for_each(Visit&& visit) const { weights_.for_each_tensor(visit); }

  // By state-dict name, for tests and tools. Throws ufb::Error for an unknown name.
  Parameter<T>& get(std::string_view name) { return weights_.field(name); }
  const Parameter<T>& get(std::string_view name) const {
    return const_cast<ParameterSet*>(this)->get(name);
  }

  void zero_grads();
  // The values of `parameter` (the tensor `tensor` of the table) in checkpoint layout, as float32.
  std::vector<float> checkpoint_values(const io::ExpectedTensor& tensor,
                                       const Parameter<T>& parameter) const;

 private:
  ParameterSet(io::Architecture architecture, Weights weights)
      : architecture_(architecture), weights_(std::move(weights)) {}
  // Every tensor of the table: from `checkpoint` where it has it, else initialised.
  static ParameterSet build(const io::ModelConfig& config, io::ModelHead head, int64_t num_labels,
                            double init_std, uint64_t seed, const io::Checkpoint* checkpoint);

  io::Architecture architecture_;
  Weights weights_;
};

// Writes model.safetensors atomically, with `metadata`, in the state-dict layout of
// docs/model.md §3 (crammedBERT: with tie_weights, decoder.weight as a copy of the word
// embedding) or §5 as transformers saves BertForMaskedLM / BertForSequenceClassification (the
// encoder under `bert.`, a tied decoder left out).
void save_weights(const std::filesystem::path& path, const ParameterSet<float>& parameters,
                  const std::map<std::string, std::string>& metadata = {});

}  // namespace ufb::train

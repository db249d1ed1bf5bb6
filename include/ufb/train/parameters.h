#pragma once

// The trainable state of a crammedBERT model: one named tensor per state-dict entry of
// MODEL.md §3 (io::expected_tensors), each with its gradient.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/io/checkpoint.h"
#include "ufb/io/config.h"
#include "ufb/io/tensor_table.h"

namespace ufb::train {

template <class T>
struct Parameter {
  std::string name;
  std::vector<int64_t> shape;  // as in the checkpoint
  // FFF linear_out.weight is kept as [neurons, hidden] (one contiguous row per node); the
  // checkpoint's [hidden, neurons] is restored on saving.
  bool stored_transposed = false;
  bool trainable = true;     // false for the fixed norm_factor buffers
  bool weight_decay = true;  // cramming: none on biases and norms
  std::vector<T> value;
  std::vector<T> grad;
};

template <class T>
class ParameterSet {
 public:
  // cramming's initialisation: weights and embeddings ~ N(0, init_std) (the padding row of the
  // word embedding 0), biases 0, LayerNorm weights 1, scale_factor 1/√hidden, norm_factor
  // 1/√head_dim. Deterministic in `seed`.
  static ParameterSet initialized(const io::ModelConfig& config, io::ModelHead head,
                                  int64_t num_labels, double init_std, uint64_t seed);
  // The weights of an opened checkpoint. With `head` kClassification and a masked-LM checkpoint,
  // the encoder is taken from it and the pooler and head are initialised as above (fine-tuning).
  static ParameterSet from_checkpoint(const io::Checkpoint& checkpoint, io::ModelHead head,
                                      int64_t num_labels, double init_std, uint64_t seed);

  std::vector<Parameter<T>>& all() { return parameters_; }
  const std::vector<Parameter<T>>& all() const { return parameters_; }
  // Throws ufb::Error for an unknown name.
  Parameter<T>& get(std::string_view name);
  const Parameter<T>& get(std::string_view name) const;
  bool contains(std::string_view name) const { return index_.find(name) != index_.end(); }

  void zero_grads();
  // The values in checkpoint layout, as float32.
  std::vector<float> checkpoint_values(const Parameter<T>& parameter) const;

 private:
  ParameterSet() = default;
  // Every tensor of the table: from `checkpoint` where it has it, else initialised.
  static ParameterSet build(const io::ModelConfig& config, io::ModelHead head, int64_t num_labels,
                            double init_std, uint64_t seed, const io::Checkpoint* checkpoint);
  void add(const io::ExpectedTensor& tensor, const io::ModelConfig& config);

  std::vector<Parameter<T>> parameters_;
  std::map<std::string, size_t, std::less<>> index_;
};

// Writes model.safetensors in the state-dict layout of MODEL.md §3 (with tie_weights,
// decoder.weight as a copy of the word embedding), atomically, with `metadata`.
void save_weights(const std::filesystem::path& path, const ParameterSet<float>& parameters,
                  const std::map<std::string, std::string>& metadata = {});

}  // namespace ufb::train

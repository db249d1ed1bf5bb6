#include "ufb/train/parameters.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ufb/error.h"
#include "ufb/io/safetensors.h"
#include "ufb/train/counter_random.h"

namespace ufb::train {
namespace {

constexpr std::string_view kDecoder = "decoder.weight";
constexpr std::string_view kWordEmbedding = "encoder.embedding.word_embedding.weight";

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool has_part(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// Standard normal draw number `index` of `random` (Box–Muller on two counters).
double normal(const CounterRandom& random, uint64_t index) {
  const double u1 = 1.0 - random.uniform(2 * index);  // in (0, 1]: log is finite
  const double u2 = random.uniform(2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class T>
void initialize(Parameter<T>& parameter, const io::ModelConfig& config, double init_std,
                const CounterRandom& random) {
  const std::string_view name = parameter.name;
  std::vector<T>& value = parameter.value;
  if (ends_with(name, "norm_factor")) {
    const auto head_dim = config.hidden_size / config.attention.num_attention_heads;
    std::fill(value.begin(), value.end(), static_cast<T>(1.0 / std::sqrt(double(head_dim))));
  } else if (ends_with(name, "scale_factor")) {
    std::fill(value.begin(), value.end(),
              static_cast<T>(1.0 / std::sqrt(double(config.hidden_size))));
  } else if (has_part(name, "norm") && ends_with(name, ".weight")) {
    std::fill(value.begin(), value.end(), T{1});
  } else if (ends_with(name, ".bias")) {
    std::fill(value.begin(), value.end(), T{0});
  } else {
    for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<T>(init_std * normal(random, i));
    if (name == kWordEmbedding) {
      const int64_t hidden = config.hidden_size;
      std::fill_n(value.begin() + config.embedding.pad_token_id * hidden, hidden, T{0});
    }
  }
}

// Copies checkpoint-layout values into a parameter (transposing where it is stored so).
template <class T>
void assign(Parameter<T>& parameter, std::span<const float> values) {
  if (!parameter.stored_transposed) {
    std::copy(values.begin(), values.end(), parameter.value.begin());
    return;
  }
  const int64_t rows = parameter.shape[0];
  const int64_t cols = parameter.shape[1];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) parameter.value[c * rows + r] = values[r * cols + c];
  }
}

const io::TensorView* find_tensor(const io::Checkpoint& checkpoint, std::string_view name) {
  for (const io::TensorView& tensor : checkpoint.tensors()) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

}  // namespace

template <class T>
void ParameterSet<T>::add(const io::ExpectedTensor& tensor, const io::ModelConfig& config) {
  if (tensor.name == kDecoder && config.tie_weights) return;  // the word embedding serves
  Parameter<T> parameter;
  parameter.name = tensor.name;
  parameter.shape = tensor.shape;
  parameter.stored_transposed = ends_with(tensor.name, "ffn.linear_out.weight");
  parameter.trainable = !ends_with(tensor.name, "norm_factor");
  // cramming's limited_decay_keys: bias, LayerNorm.bias, LayerNorm.weight, norm.
  parameter.weight_decay = !has_part(tensor.name, "bias") && !has_part(tensor.name, "norm");
  int64_t count = 1;
  for (const int64_t dim : tensor.shape) count *= dim;
  parameter.value.assign(count, T{0});
  parameter.grad.assign(parameter.trainable ? count : 0, T{0});
  index_.emplace(parameter.name, parameters_.size());
  parameters_.push_back(std::move(parameter));
}

template <class T>
ParameterSet<T> ParameterSet<T>::initialized(const io::ModelConfig& config, io::ModelHead head,
                                             int64_t num_labels, double init_std, uint64_t seed) {
  return build(config, head, num_labels, init_std, seed, nullptr);
}

template <class T>
ParameterSet<T> ParameterSet<T>::from_checkpoint(const io::Checkpoint& checkpoint,
                                                 io::ModelHead head, int64_t num_labels,
                                                 double init_std, uint64_t seed) {
  if (checkpoint.head() == io::ModelHead::kClassification && head == io::ModelHead::kMaskedLm) {
    throw Error(checkpoint.weights_source() +
                " holds a classification model; masked-LM training needs decoder.weight");
  }
  return build(checkpoint.config(), head, num_labels, init_std, seed, &checkpoint);
}

template <class T>
ParameterSet<T> ParameterSet<T>::build(const io::ModelConfig& config, io::ModelHead head,
                                       int64_t num_labels, double init_std, uint64_t seed,
                                       const io::Checkpoint* checkpoint) {
  ParameterSet set;
  const CounterRandom random(seed);
  const std::vector<io::ExpectedTensor> table = io::expected_tensors(config, head, num_labels);
  for (size_t i = 0; i < table.size(); ++i) {
    set.add(table[i], config);
    if (!set.contains(table[i].name)) continue;
    Parameter<T>& parameter = set.get(table[i].name);
    const io::TensorView* tensor = checkpoint ? find_tensor(*checkpoint, parameter.name) : nullptr;
    if (tensor == nullptr) {
      initialize(parameter, config, init_std, random.child(i));
      continue;
    }
    if (tensor->shape != parameter.shape) {
      throw Error(checkpoint->weights_source() + ": tensor " + parameter.name + " has shape " +
                  io::format_shape(tensor->shape) + ", the model needs " +
                  io::format_shape(parameter.shape));
    }
    assign(parameter, tensor->values);
  }
  return set;
}

template <class T>
Parameter<T>& ParameterSet<T>::get(std::string_view name) {
  const auto found = index_.find(name);
  if (found == index_.end()) throw Error("model has no parameter " + std::string(name));
  return parameters_[found->second];
}

template <class T>
const Parameter<T>& ParameterSet<T>::get(std::string_view name) const {
  return const_cast<ParameterSet*>(this)->get(name);
}

template <class T>
void ParameterSet<T>::zero_grads() {
  for (Parameter<T>& parameter : parameters_) std::fill(parameter.grad.begin(), parameter.grad.end(), T{0});
}

template <class T>
std::vector<float> ParameterSet<T>::checkpoint_values(const Parameter<T>& parameter) const {
  std::vector<float> values(parameter.value.size());
  if (!parameter.stored_transposed) {
    std::copy(parameter.value.begin(), parameter.value.end(), values.begin());
    return values;
  }
  const int64_t rows = parameter.shape[0];
  const int64_t cols = parameter.shape[1];
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) values[r * cols + c] = static_cast<float>(parameter.value[c * rows + r]);
  }
  return values;
}

template class ParameterSet<float>;
template class ParameterSet<double>;

void save_weights(const std::filesystem::path& path, const ParameterSet<float>& parameters,
                  const std::map<std::string, std::string>& metadata) {
  std::vector<std::vector<float>> values;
  std::vector<io::RawTensor> tensors;
  values.reserve(parameters.all().size() + 1);
  const auto add = [&](const std::string& name, const Parameter<float>& parameter) {
    values.push_back(parameters.checkpoint_values(parameter));
    tensors.push_back({name, io::DType::kF32, parameter.shape,
                       std::as_bytes(std::span<const float>(values.back()))});
  };
  for (const Parameter<float>& parameter : parameters.all()) add(parameter.name, parameter);
  const bool masked_lm = !parameters.contains("head.weight");
  if (masked_lm && !parameters.contains(kDecoder)) {
    add(std::string(kDecoder), parameters.get(kWordEmbedding));
  }
  io::write_safetensors(path, tensors, metadata);
}

}  // namespace ufb::train

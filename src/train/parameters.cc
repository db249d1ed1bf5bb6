#include "ufb/train/parameters.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "ufb/error.h"
#include "io/safetensors.h"
#include "train/counter_random.h"

namespace ufb::train {
namespace {

// Standard normal draw number `index` of `random` (Box–Muller on two counters).
double normal(const CounterRandom& random, uint64_t index) {
  const double u1 = 1.0 - random.uniform(2 * index);  // in (0, 1]: log is finite
  const double u2 = random.uniform(2 * index + 1);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

template <class T>
void initialize(const io::ExpectedTensor& tensor, Parameter<T>& parameter,
                const io::ModelConfig& config, double init_std, const CounterRandom& random) {
  std::vector<T>& value = parameter.value;
  switch (io::tensor_kind(tensor.role)) {
    case io::TensorKind::kScoreScale: {
      const auto head_dim = config.hidden_size / config.attention.num_attention_heads;
      std::fill(value.begin(), value.end(), static_cast<T>(1.0 / std::sqrt(double(head_dim))));
      return;
    }
    case io::TensorKind::kPositionScale:
      std::fill(value.begin(), value.end(),
                static_cast<T>(1.0 / std::sqrt(double(config.hidden_size))));
      return;
    case io::TensorKind::kNormWeight: std::fill(value.begin(), value.end(), T{1}); return;
    case io::TensorKind::kNormBias:
    case io::TensorKind::kBias: std::fill(value.begin(), value.end(), T{0}); return;
    case io::TensorKind::kMatrix:
    case io::TensorKind::kWordEmbedding: break;
  }
  for (size_t i = 0; i < value.size(); ++i) value[i] = static_cast<T>(init_std * normal(random, i));
  if (io::tensor_kind(tensor.role) == io::TensorKind::kWordEmbedding) {
    const int64_t hidden = config.hidden_size;
    std::fill_n(value.begin() + config.embedding.pad_token_id * hidden, hidden, T{0});
  }
}

// Copies checkpoint-layout values into a parameter (transposing where it is stored so).
template <class T>
void assign(const io::ExpectedTensor& tensor, Parameter<T>& parameter, std::span<const float> values) {
  if (!parameter.stored_transposed) {
    std::copy(values.begin(), values.end(), parameter.value.begin());
    return;
  }
  const int64_t rows = tensor.shape[0];
  const int64_t cols = tensor.shape[1];
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
ParameterSet<T> ParameterSet<T>::initialized(const io::ModelConfig& config, io::ModelHead head,
                                             int64_t num_labels, double init_std, uint64_t seed) {
  return build(config, head, num_labels, init_std, seed, nullptr);
}

template <class T>
ParameterSet<T> ParameterSet<T>::from_checkpoint(const io::Checkpoint& checkpoint,
                                                 io::ModelHead head, int64_t num_labels,
                                                 double init_std, uint64_t seed) {
  if (checkpoint.head() == io::ModelHead::kClassification && head == io::ModelHead::kMaskedLm) {
    throw Error(checkpoint.weights_source() + " holds a classification model; masked-LM training needs " +
                io::tensor_name(checkpoint.config().architecture, io::TensorRole::kDecoderWeight));
  }
  return build(checkpoint.config(), head, num_labels, init_std, seed, &checkpoint);
}

template <class T>
ParameterSet<T> ParameterSet<T>::build(const io::ModelConfig& config, io::ModelHead head,
                                       int64_t num_labels, double init_std, uint64_t seed,
                                       const io::Checkpoint* checkpoint) {
  ParameterSet set(config.architecture,
                   Weights(config, head, num_labels, head == io::ModelHead::kClassification));
  const CounterRandom random(seed);
  uint64_t index = 0;  // the tensor's place in the table keys its random stream
  set.for_each([&](const io::ExpectedTensor& tensor, Parameter<T>& parameter) {
    const io::TensorKind kind = io::tensor_kind(tensor.role);
    parameter.stored_transposed = tensor.role == io::TensorRole::kFffOutWeight;
    parameter.trainable = kind != io::TensorKind::kScoreScale;
    // cramming's limited_decay_keys: bias, LayerNorm.bias, LayerNorm.weight, norm (BERT's
    // biases and LayerNorms likewise).
    parameter.weight_decay =
        kind != io::TensorKind::kBias && kind != io::TensorKind::kNormWeight && kind != io::TensorKind::kNormBias;
    int64_t count = 1;
    for (const int64_t dim : tensor.shape) count *= dim;
    parameter.value.assign(count, T{0});
    parameter.grad.assign(parameter.trainable ? count : 0, T{0});
    const io::TensorView* stored = checkpoint ? find_tensor(*checkpoint, tensor.name) : nullptr;
    if (stored == nullptr) {
      initialize(tensor, parameter, config, init_std, random.child(index++));
      return;
    }
    ++index;
    if (stored->shape != tensor.shape) {
      throw Error(checkpoint->weights_source() + ": tensor " + tensor.name + " has shape " +
                  io::format_shape(stored->shape) + ", the model needs " +
                  io::format_shape(tensor.shape));
    }
    assign(tensor, parameter, stored->values);
  });
  return set;
}

template <class T>
void ParameterSet<T>::zero_grads() {
  for_each([](const io::ExpectedTensor&, Parameter<T>& parameter) {
    std::fill(parameter.grad.begin(), parameter.grad.end(), T{0});
  });
}

template <class T>
std::vector<float> ParameterSet<T>::checkpoint_values(const io::ExpectedTensor& tensor,
                                                      const Parameter<T>& parameter) const {
  std::vector<float> values(parameter.value.size());
  if (!parameter.stored_transposed) {
    std::copy(parameter.value.begin(), parameter.value.end(), values.begin());
    return values;
  }
  const int64_t rows = tensor.shape[0];
  const int64_t cols = tensor.shape[1];
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
  const ParameterSet<float>::Weights& weights = parameters.weights();
  values.reserve(weights.table().size() + 1);
  const auto add = [&](const std::string& name, const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    values.push_back(parameters.checkpoint_values(tensor, parameter));
    tensors.push_back({name, io::DType::kF32, tensor.shape, std::as_bytes(std::span<const float>(values.back()))});
  };
  const bool bert = parameters.architecture() == io::Architecture::kBert;
  parameters.for_each([&](const io::ExpectedTensor& tensor, const Parameter<float>& parameter) {
    add(bert && io::bert_prefixed(tensor.name) ? "bert." + tensor.name : tensor.name, tensor, parameter);
  });
  // crammedBERT's checkpoints carry the tied decoder; transformers leaves it out of BERT's.
  if (weights.tied_decoder() && !bert) {
    add(io::tensor_name(io::Architecture::kCrammedBert, io::TensorRole::kDecoderWeight),
        weights.table().front(), weights.word_embedding);
  }
  io::write_safetensors(path, tensors, metadata);
}

}  // namespace ufb::train

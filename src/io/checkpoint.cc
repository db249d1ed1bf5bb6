#include "ufb/io/checkpoint.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "ufb/error.h"
#include "io/pytorch_bin.h"
#include "io/safetensors.h"

namespace ufb::io {
namespace {

std::unique_ptr<TensorArchive> open_weights(const std::filesystem::path& model_dir) {
  const std::filesystem::path safetensors = model_dir / "model.safetensors";
  if (std::filesystem::exists(safetensors)) return std::make_unique<SafetensorsFile>(safetensors);
  const std::filesystem::path bin = model_dir / "pytorch_model.bin";
  if (std::filesystem::exists(bin)) return std::make_unique<PytorchBinFile>(bin);
  throw Error(model_dir.string() + ": has neither model.safetensors nor pytorch_model.bin");
}

// "a, b, c and 4 more": keeps the message one readable line.
std::string list_names(const std::vector<std::string>& names) {
  constexpr std::size_t kShown = 5;
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < kShown; ++i) {
    if (i > 0) text += ", ";
    text += printable(names[i]);
  }
  if (names.size() > kShown) text += " and " + std::to_string(names.size() - kShown) + " more";
  return text;
}

}  // namespace

// config.json is read first, so that a model ufb cannot run is named as such before its weights
// are looked for.
Checkpoint::Checkpoint(const std::filesystem::path& model_dir)
    : Checkpoint(read_model_config(model_dir / "config.json"), model_dir) {}

Checkpoint::Checkpoint(ModelConfig config, const std::filesystem::path& model_dir)
    : Checkpoint(std::move(config), open_weights(model_dir)) {}

Checkpoint::Checkpoint(ModelConfig config, std::unique_ptr<TensorArchive> weights)
    : config_(std::move(config)), weights_(std::move(weights)) {
  const std::string& source = weights_->source_name();
  const Architecture architecture = config_.architecture;
  // BERT's task models store the encoder under `bert.`; names are compared without it.
  for (const RawTensor& tensor : weights_->tensors()) {
    if (architecture == Architecture::kBert && tensor.name.starts_with("bert.")) {
      name_prefix_ = "bert.";
      break;
    }
  }
  std::unordered_map<std::string, const RawTensor*> stored;
  for (const RawTensor& tensor : weights_->tensors()) {
    std::string name = tensor.name;
    if (!name_prefix_.empty() && name.starts_with(name_prefix_)) name.erase(0, name_prefix_.size());
    stored.emplace(std::move(name), &tensor);
  }
  const auto has = [&](TensorRole role) { return stored.contains(tensor_name(architecture, role)); };

  if (has(TensorRole::kHeadWeight)) {
    head_ = ModelHead::kClassification;
    const std::string classifier = tensor_name(architecture, TensorRole::kHeadWeight);
    const std::vector<std::int64_t>& shape = stored.at(classifier)->shape;
    if (shape.size() != 2) {
      throw Error(source + ": tensor " + classifier + " has shape " + format_shape(shape) +
                  ", expected [num_labels,head_dim]");
    }
    num_labels_ = shape[0];
    if (config_.num_labels && *config_.num_labels != num_labels_) {
      throw Error(source + ": tensor " + classifier + " has " + std::to_string(num_labels_) +
                  " labels, config.json gives " +
                  (architecture == Architecture::kBert ? "num_labels " : "arch.num_labels ") +
                  std::to_string(*config_.num_labels));
    }
  } else if (architecture == Architecture::kBert && !has(TensorRole::kDecoderBias) &&
             !has(TensorRole::kDecoderWeight)) {
    head_ = ModelHead::kNone;  // BertModel: the encoder alone
  }
  pooler_ = head_ == ModelHead::kClassification ||
            (architecture == Architecture::kBert && has(TensorRole::kPoolerWeight));
  const std::vector<ExpectedTensor> expected = expected_tensors(config_, head_, num_labels_, pooler_);

  if (head_ == ModelHead::kMaskedLm && config_.tie_weights) {
    const std::string word_embedding = tensor_name(architecture, TensorRole::kWordEmbedding);
    const std::string decoder = tensor_name(architecture, TensorRole::kDecoderWeight);
    const bool has_embedding = stored.contains(word_embedding);
    const bool has_decoder = stored.contains(decoder);
    if (has_embedding && !has_decoder) stored.emplace(decoder, stored.at(word_embedding));
    if (has_decoder && !has_embedding) stored.emplace(word_embedding, stored.at(decoder));
  }

  std::vector<std::string> missing;
  std::set<std::string_view> expected_names;
  for (const ExpectedTensor& tensor : expected) {
    expected_names.insert(tensor.name);
    if (!stored.contains(tensor.name)) missing.push_back(stored_name(tensor.name));
  }
  if (!missing.empty()) {
    throw Error(source + ": " + std::to_string(missing.size()) +
                " tensor(s) that config.json implies are missing: " + list_names(missing));
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, tensor] : stored) {
    if (expected_names.contains(name)) continue;
    if (is_weightless_buffer(architecture, name) || is_weightless_buffer(architecture, tensor->name)) {
      ignored_.push_back(tensor->name);
    } else {
      unexpected.push_back(tensor->name);
    }
  }
  std::sort(ignored_.begin(), ignored_.end());
  std::sort(unexpected.begin(), unexpected.end());
  if (!unexpected.empty()) {
    throw Error(source + ": " + std::to_string(unexpected.size()) +
                " tensor(s) that config.json does not describe: " + list_names(unexpected));
  }

  for (const ExpectedTensor& tensor : expected) {
    const RawTensor& raw = *stored.at(tensor.name);
    if (raw.shape != tensor.shape) {
      throw Error(source + ": tensor " + stored_name(tensor.name) + " has shape " +
                  format_shape(raw.shape) + ", config implies " + format_shape(tensor.shape));
    }
    std::vector<float> storage;
    const std::span<const float> values = as_float32(raw, storage, source);
    if (!storage.empty()) widened_.push_back(std::move(storage));  // the buffer does not move
    index_.emplace(tensor.name, tensors_.size());
    tensors_.push_back(TensorView{tensor.name, tensor.shape, values});
  }
}

void Checkpoint::release(std::string_view name) const {
  const std::span<const float> values = tensor(name).values;
  for (const std::vector<float>& widened : widened_) {
    if (values.data() == widened.data()) return;  // our own float32 copy, not the file's pages
  }
  weights_->release_pages(std::as_bytes(values));
}

std::string Checkpoint::stored_name(std::string_view name) const {
  if (name_prefix_.empty() || !bert_prefixed(name)) return std::string(name);
  return name_prefix_ + std::string(name);
}

const TensorView& Checkpoint::tensor(std::string_view name) const {
  const auto found = index_.find(name);
  if (found == index_.end()) {
    throw Error(weights_->source_name() + ": the model has no tensor " + printable(name));
  }
  return tensors_[found->second];
}

}  // namespace ufb::io

#include "ufb/model/sentence_embedding.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "ufb/error.h"
#include "io/pytorch_bin.h"
#include "ufb/io/raw_tensor.h"
#include "io/safetensors.h"
#include "ops/linear.h"

namespace ufb::model {
namespace {

using nlohmann::json;

json read_json(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  try {
    return json::parse(text.str());
  } catch (const json::exception& error) {
    throw Error(path.string() + ": invalid JSON: " + error.what());
  }
}

// A key's value of the expected JSON type, or `fallback` where it is absent.
template <class T>
T value_or(const json& object, const char* key, T fallback, const std::filesystem::path& path) {
  const auto found = object.find(key);
  if (found == object.end() || found->is_null()) return fallback;
  try {
    return found->get<T>();
  } catch (const json::exception&) {
    throw Error(path.string() + ": " + key + " is " + io::printable(found->dump()) + ", of the wrong type");
  }
}

// 1_Pooling/config.json: the modes sentence-transformers concatenates, in its order. Version 6
// writes `pooling_mode` (a name or a list of names, in the order given) and
// `embedding_dimension`; earlier versions one boolean per mode, concatenated in a fixed order,
// and `word_embedding_dimension`.
std::vector<EmbeddingPooling> read_pooling(const std::filesystem::path& path, int64_t hidden) {
  const json config = read_json(path);
  if (!config.is_object()) throw Error(path.string() + ": expected a JSON object");
  const char* width_key = config.contains("embedding_dimension") ? "embedding_dimension" : "word_embedding_dimension";
  const int64_t width = value_or<int64_t>(config, width_key, hidden, path);
  if (width != hidden) {
    throw Error(path.string() + ": " + width_key + " is " + std::to_string(width) + ", the model's hidden_size is " +
                std::to_string(hidden));
  }
  const std::pair<std::string_view, EmbeddingPooling> names[] = {
      {"cls", EmbeddingPooling::first},
      {"max", EmbeddingPooling::max},
      {"mean", EmbeddingPooling::mean},
      {"mean_sqrt_len_tokens", EmbeddingPooling::mean_sqrt_len}};
  const auto mode_named = [&](const json& name) {
    if (name.is_string()) {
      for (const auto& [spelling, mode] : names) {
        if (name.get<std::string>() == spelling) return mode;
      }
    }
    throw Error(path.string() + ": pooling_mode " + io::printable(name.dump()) +
                " is not one ufb runs (cls, max, mean, mean_sqrt_len_tokens)");
  };
  std::vector<EmbeddingPooling> modes;
  if (const auto found = config.find("pooling_mode"); found != config.end()) {
    if (found->is_array()) {
      for (const json& name : *found) modes.push_back(mode_named(name));
    } else {
      modes.push_back(mode_named(*found));
    }
  } else {
    for (const char* unsupported : {"pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"}) {
      if (value_or<bool>(config, unsupported, false, path)) {
        throw Error(path.string() + ": " + unsupported + " is true; ufb pools by cls, max, mean and mean_sqrt_len only");
      }
    }
    const std::pair<const char*, EmbeddingPooling> legacy[] = {
        {"pooling_mode_cls_token", EmbeddingPooling::first},
        {"pooling_mode_max_tokens", EmbeddingPooling::max},
        {"pooling_mode_mean_tokens", EmbeddingPooling::mean},
        {"pooling_mode_mean_sqrt_len_tokens", EmbeddingPooling::mean_sqrt_len}};
    for (const auto& [key, mode] : legacy) {
      if (value_or<bool>(config, key, false, path)) modes.push_back(mode);
    }
    if (modes.empty()) modes.push_back(EmbeddingPooling::mean);  // sentence-transformers' default
  }
  if (modes.empty()) throw Error(path.string() + ": pooling_mode names no mode");
  return modes;
}

// A Dense module's folder: config.json and its weights (linear.weight, linear.bias).
SentenceEmbedding::DenseLayer read_dense(const std::filesystem::path& dir, int64_t in_features) {
  const std::filesystem::path config_path = dir / "config.json";
  const json config = read_json(config_path);
  if (!config.is_object()) throw Error(config_path.string() + ": expected a JSON object");
  SentenceEmbedding::DenseLayer layer;
  layer.in_features = value_or<int64_t>(config, "in_features", -1, config_path);
  layer.out_features = value_or<int64_t>(config, "out_features", -1, config_path);
  if (layer.in_features != in_features || layer.out_features < 1) {
    throw Error(config_path.string() + ": in_features " + std::to_string(layer.in_features) + ", out_features " +
                std::to_string(layer.out_features) + " do not follow a " + std::to_string(in_features) +
                "-wide input");
  }
  const std::string activation =
      value_or<std::string>(config, "activation_function", "torch.nn.modules.activation.Tanh", config_path);
  if (activation == "torch.nn.modules.activation.Tanh") {
    layer.tanh = true;
  } else if (activation == "torch.nn.modules.linear.Identity") {
    layer.tanh = false;
  } else {
    throw Error(config_path.string() + ": activation_function " + io::printable(activation) +
                " is not supported (Tanh or Identity)");
  }
  const bool bias = value_or<bool>(config, "bias", true, config_path);

  std::unique_ptr<io::TensorArchive> weights;
  if (std::filesystem::exists(dir / "model.safetensors")) {
    weights = std::make_unique<io::SafetensorsFile>(dir / "model.safetensors");
  } else if (std::filesystem::exists(dir / "pytorch_model.bin")) {
    weights = std::make_unique<io::PytorchBinFile>(dir / "pytorch_model.bin");
  } else {
    throw Error(dir.string() + ": has neither model.safetensors nor pytorch_model.bin");
  }
  const auto load = [&](const char* name, std::vector<int64_t> shape, std::vector<float>& out) {
    const io::RawTensor* tensor = weights->find(name);
    if (tensor == nullptr) throw Error(weights->source_name() + ": has no tensor " + name);
    if (tensor->shape != shape) {
      throw Error(weights->source_name() + ": tensor " + name + " has shape " + io::format_shape(tensor->shape) +
                  ", config.json implies " + io::format_shape(shape));
    }
    std::vector<float> storage;
    const std::span<const float> values = io::as_float32(*tensor, storage, weights->source_name());
    out.assign(values.begin(), values.end());
  };
  load("linear.weight", {layer.out_features, layer.in_features}, layer.weight);
  if (bias) load("linear.bias", {layer.out_features}, layer.bias);
  const size_t expected = bias ? 2 : 1;
  if (weights->tensors().size() != expected) {
    throw Error(weights->source_name() + ": holds " + std::to_string(weights->tensors().size()) +
                " tensors, a Dense layer has " + std::to_string(expected));
  }
  return layer;
}

int64_t pooled_width(const std::vector<EmbeddingPooling>& modes, int64_t hidden) {
  return static_cast<int64_t>(modes.size()) * hidden;
}

}  // namespace

void normalize_to_unit_length(std::span<float> vector) {
  double norm = 0;
  for (const float v : vector) norm += double{v} * v;
  const float scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
  for (float& v : vector) v *= scale;
}

std::optional<SentenceEmbedding> SentenceEmbedding::read(const std::filesystem::path& model_dir,
                                                         const io::ModelConfig& config) {
  const std::filesystem::path modules_path = model_dir / "modules.json";
  if (!std::filesystem::exists(modules_path)) return std::nullopt;
  const json modules = read_json(modules_path);
  if (!modules.is_array() || modules.empty()) {
    throw Error(modules_path.string() + ": expected a non-empty array of modules");
  }
  SentenceEmbedding pipeline;
  int64_t width = config.hidden_size;
  for (size_t i = 0; i < modules.size(); ++i) {
    const json& module = modules[i];
    if (!module.is_object()) throw Error(modules_path.string() + ": module " + std::to_string(i) + " is not an object");
    const std::string type = value_or<std::string>(module, "type", "", modules_path);
    // sentence_transformers.models.Pooling before version 6, ....modules.pooling.Pooling since.
    const auto is = [&](std::string_view name) {
      return type.starts_with("sentence_transformers.") && type.ends_with(name) &&
             type[type.size() - name.size() - 1] == '.';
    };
    const std::filesystem::path dir = model_dir / value_or<std::string>(module, "path", "", modules_path);
    const auto out_of_order = [&] {
      throw Error(modules_path.string() + ": module " + std::to_string(i) + " (" + type +
                  ") is out of order; ufb runs Transformer, Pooling, Dense..., Normalize");
    };
    if (is("Transformer")) {
      if (i != 0) out_of_order();
    } else if (is("Pooling")) {
      if (i != 1) out_of_order();
      pipeline.pooling_ = read_pooling(dir / "config.json", config.hidden_size);
      width = pooled_width(pipeline.pooling_, config.hidden_size);
    } else if (is("Dense")) {
      if (pipeline.pooling_.empty() || pipeline.normalize_) out_of_order();
      pipeline.dense_.push_back(read_dense(dir, width));
      width = pipeline.dense_.back().out_features;
    } else if (is("Normalize")) {
      if (pipeline.pooling_.empty() || i + 1 != modules.size()) out_of_order();
      pipeline.normalize_ = true;
    } else {
      throw Error(modules_path.string() + ": module " + std::to_string(i) + " has type " + io::printable(type) +
                  ", which ufb does not run (Transformer, Pooling, Dense, Normalize)");
    }
  }
  if (pipeline.pooling_.empty()) throw Error(modules_path.string() + ": has no Pooling module");

  const std::filesystem::path settings_path = model_dir / "sentence_bert_config.json";
  if (std::filesystem::exists(settings_path)) {
    const json settings = read_json(settings_path);
    if (!settings.is_object()) throw Error(settings_path.string() + ": expected a JSON object");
    if (value_or<bool>(settings, "do_lower_case", false, settings_path)) {
      throw Error(settings_path.string() + ": do_lower_case true is not supported (lowercasing belongs in tokenizer.json)");
    }
    const int64_t length = value_or<int64_t>(settings, "max_seq_length", 0, settings_path);
    if (length < 0) throw Error(settings_path.string() + ": max_seq_length " + std::to_string(length) + " is negative");
    if (length > 0) pipeline.max_seq_length_ = std::min(length, config.embedding.max_seq_length);
  }
  return pipeline;
}

SentenceEmbedding SentenceEmbedding::plain(EmbeddingPooling pooling, bool normalize) {
  SentenceEmbedding pipeline;
  pipeline.pooling_ = {pooling};
  pipeline.normalize_ = normalize;
  return pipeline;
}

Embeddings SentenceEmbedding::embed(const Model& model, std::span<const TokenIds> batch,
                                    std::span<const TokenIds> token_types) const {
  Embeddings pooled;
  if (pooling_.size() == 1) {
    pooled = model.embed(batch, pooling_.front(), token_types);
  } else {
    const HiddenStates states = model.encode(batch, PaddingRows::skip, token_types);
    pooled = {states.batch, pooled_width(pooling_, states.hidden), {}};
    std::vector<Embeddings> parts;
    for (const EmbeddingPooling mode : pooling_) parts.push_back(pool_hidden_states(states, mode));
    pooled.values.reserve(pooled.batch * pooled.width);
    for (int64_t b = 0; b < pooled.batch; ++b) {
      for (const Embeddings& part : parts) {
        const auto row = part.values.begin() + b * part.width;
        pooled.values.insert(pooled.values.end(), row, row + part.width);
      }
    }
  }
  for (const DenseLayer& layer : dense_) {
    std::vector<float> out(pooled.batch * layer.out_features);
    ops::linear(ops::LinearWeights<float>{layer.in_features, layer.out_features, layer.weight, layer.bias},
                pooled.values, pooled.batch, out);
    if (layer.tanh) {
      for (float& value : out) value = std::tanh(value);
    }
    pooled.width = layer.out_features;
    pooled.values = std::move(out);
  }
  if (normalize_) {
    for (int64_t b = 0; b < pooled.batch; ++b) {
      normalize_to_unit_length(std::span<float>(pooled.values).subspan(b * pooled.width, pooled.width));
    }
  }
  return pooled;
}

}  // namespace ufb::model

#include "ufb/io/config.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <sstream>

#include "ufb/error.h"
#include "ufb/io/raw_tensor.h"

namespace ufb::io {
namespace {

using nlohmann::json;

// Dimensions beyond this are certainly not a model we can hold; the bound also keeps every
// product of two of them inside 64 bits.
constexpr std::int64_t kMaxDimension = std::int64_t{1} << 31;
// M = 2^(D+1) - 1 must stay below kMaxDimension.
constexpr std::int64_t kMaxDepth = 29;

std::string describe(const json& value) {
  return value.is_null() ? "null" : printable(value.dump());
}

// One JSON object of the config, with its dotted path for messages.
class Section {
 public:
  Section(const json& object, std::string path, const std::string& source)
      : object_(object), path_(std::move(path)), source_(source) {
    if (!object_.is_object()) {
      throw Error(source_ + ": " + (path_.empty() ? "the document" : path_) + " is " +
                  describe(object_) + ", expected an object");
    }
  }

  Section section(const char* key) const { return Section(get(key), name(key), source_); }

  const json* find(const char* key) const {
    const auto found = object_.find(key);
    return found == object_.end() ? nullptr : &*found;
  }

  const json& get(const char* key) const {
    const json* value = find(key);
    if (value == nullptr) throw Error(source_ + ": " + name(key) + " is missing");
    return *value;
  }

  std::int64_t integer(const char* key, std::int64_t min, std::int64_t max) const {
    const json& value = get(key);
    if (!value.is_number_integer() || value.get<std::int64_t>() < min ||
        value.get<std::int64_t>() > max) {
      wrong(key, value, "an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return value.get<std::int64_t>();
  }

  std::int64_t dimension(const char* key) const { return integer(key, 1, kMaxDimension); }

  bool boolean(const char* key) const {
    const json& value = get(key);
    if (!value.is_boolean()) wrong(key, value, "true or false");
    return value.get<bool>();
  }

  std::string string(const char* key) const {
    const json& value = get(key);
    if (!value.is_string()) wrong(key, value, "a string");
    return value.get<std::string>();
  }

  // A positive finite number. YAML 1.1 reads "1e-12" (no dot) as a string, so configs
  // converted from cramming's YAML may carry the number as text; that is accepted too.
  double positive_number(const char* key) const {
    const json& value = get(key);
    double number = NAN;
    if (value.is_number()) {
      number = value.get<double>();
    } else if (value.is_string()) {
      const std::string text = value.get<std::string>();
      char* end = nullptr;
      number = std::strtod(text.c_str(), &end);
      if (text.empty() || *end != '\0') number = NAN;
    }
    if (!(std::isfinite(number) && number > 0)) wrong(key, value, "a positive number");
    return number;
  }

  // The enumerator whose spelling the string value has.
  template <typename Enum>
  Enum choice(const char* key,
              std::initializer_list<std::pair<std::string_view, Enum>> options) const {
    const std::string value = string(key);
    std::string supported;
    for (const auto& [spelling, enumerator] : options) {
      if (spelling == value) return enumerator;
      if (!supported.empty()) supported += " or ";
      supported += json(spelling).dump();
    }
    unsupported(key, get(key), supported);
  }

  void require_bool(const char* key, bool supported) const {
    if (boolean(key) != supported) unsupported(key, get(key), supported ? "true" : "false");
  }

  void require_string(const char* key, std::string_view supported) const {
    if (string(key) != supported) {
      unsupported(key, get(key), json(supported).dump());
    }
  }

  // For keys that older configs lack; absent means the supported value.
  void require_string_if_present(const char* key, std::string_view supported) const {
    if (find(key) != nullptr) require_string(key, supported);
  }

  [[noreturn]] void unsupported(const char* key, const json& value,
                                const std::string& supported) const {
    throw Error(source_ + ": " + name(key) + " is " + describe(value) + ", only " + supported +
                " is supported");
  }

  [[noreturn]] void wrong(const char* key, const json& value, const std::string& expected) const {
    throw Error(source_ + ": " + name(key) + " is " + describe(value) + ", expected " + expected);
  }

 private:
  std::string name(const char* key) const { return path_.empty() ? key : path_ + "." + key; }

  const json& object_;
  std::string path_;
  const std::string& source_;
};

EmbeddingConfig parse_embedding(const Section& arch, std::int64_t hidden_size) {
  const Section section = arch.section("embedding");
  EmbeddingConfig embedding;
  embedding.vocab_size = section.dimension("vocab_size");
  embedding.pos_embedding = section.choice<PositionEmbedding>(
      "pos_embedding", {{"scaled-sinusoidal", PositionEmbedding::kScaledSinusoidal},
                        {"learned", PositionEmbedding::kLearned}});
  embedding.max_seq_length = section.dimension("max_seq_length");
  embedding.embedding_dim = section.integer("embedding_dim", hidden_size, hidden_size);
  embedding.normalization = section.boolean("normalization");
  embedding.pad_token_id = section.integer("pad_token_id", 0, embedding.vocab_size - 1);
  return embedding;
}

AttentionConfig parse_attention(const Section& arch, std::int64_t hidden_size) {
  const Section section = arch.section("attention");
  AttentionConfig attention;
  attention.num_attention_heads = section.dimension("num_attention_heads");
  if (hidden_size % attention.num_attention_heads != 0) {
    section.wrong("num_attention_heads", section.get("num_attention_heads"),
                  "a divisor of arch.hidden_size " + std::to_string(hidden_size));
  }
  section.require_bool("qkv_bias", false);
  section.require_bool("skip_output_projection", false);
  section.require_bool("causal_attention", false);
  section.require_bool("rotary_embedding", false);
  section.require_string_if_present("type", "self-attention");
  section.require_string_if_present("sequence_op", "torch-softmax");
  return attention;
}

ClassificationHeadConfig parse_classification_head(const Section& arch) {
  const Section section = arch.section("classification_head");
  ClassificationHeadConfig head;
  head.pooler = section.choice<Pooler>(
      "pooler", {{"avg", Pooler::kAverage}, {"zero_index", Pooler::kZeroIndex}});
  section.require_bool("include_ff_layer", true);
  head.head_dim = section.dimension("head_dim");
  section.require_string("nonlin", "Tanh");
  return head;
}

// A transformers BertConfig (docs/model.md §5). Optional keys default as BertConfig's do.
ModelConfig parse_bert(const Section& top) {
  ModelConfig config;
  config.architecture = Architecture::kBert;
  config.num_transformer_layers = top.dimension("num_hidden_layers");
  config.hidden_size = top.dimension("hidden_size");
  config.norm_scheme = NormScheme::kPost;
  config.linear_bias = true;
  config.mlm_head_transform = true;
  config.final_norm = false;
  config.norm_eps = top.find("layer_norm_eps") ? top.positive_number("layer_norm_eps") : 1e-12;
  using ops::Activation;
  config.activation = top.find("hidden_act") == nullptr
                          ? Activation::gelu_erf
                          : top.choice<Activation>("hidden_act",
                                                   {{"gelu", Activation::gelu_erf},
                                                    {"gelu_new", Activation::gelu_tanh},
                                                    {"gelu_pytorch_tanh", Activation::gelu_tanh},
                                                    {"relu", Activation::relu}});
  config.tie_weights = top.find("tie_word_embeddings") ? top.boolean("tie_word_embeddings") : true;
  if (top.find("position_embedding_type")) top.require_string("position_embedding_type", "absolute");
  if (top.find("is_decoder")) top.require_bool("is_decoder", false);
  if (top.find("add_cross_attention")) top.require_bool("add_cross_attention", false);
  if (top.find("embedding_size")) {
    top.integer("embedding_size", config.hidden_size, config.hidden_size);
  }

  // ufb's FFF member of the family: each intermediate/output pair is a forest of FFF trees.
  config.intermed_type = top.find("feedforward_type") == nullptr
                             ? FeedforwardKind::kDense
                             : top.choice<FeedforwardKind>(
                                   "feedforward_type", {{"fff", FeedforwardKind::kFastFeedforward},
                                                        {"dense", FeedforwardKind::kDense}});
  if (config.intermed_type == FeedforwardKind::kFastFeedforward) {
    config.intermed_depth = top.integer("fff_depth", 0, kMaxDepth);
    config.intermed_size = top.dimension("fff_trees");
  } else {
    config.intermed_size = top.dimension("intermediate_size");
  }

  EmbeddingConfig& embedding = config.embedding;
  embedding.vocab_size = top.dimension("vocab_size");
  embedding.pos_embedding = PositionEmbedding::kLearned;
  embedding.max_seq_length = top.dimension("max_position_embeddings");
  embedding.embedding_dim = config.hidden_size;
  embedding.normalization = true;
  embedding.pad_token_id = top.find("pad_token_id") == nullptr || top.get("pad_token_id").is_null()
                               ? 0
                               : top.integer("pad_token_id", 0, embedding.vocab_size - 1);
  embedding.type_vocab_size =
      top.find("type_vocab_size") ? top.integer("type_vocab_size", 0, kMaxDimension) : 2;

  config.attention.num_attention_heads = top.dimension("num_attention_heads");
  if (config.hidden_size % config.attention.num_attention_heads != 0) {
    top.wrong("num_attention_heads", top.get("num_attention_heads"),
              "a divisor of hidden_size " + std::to_string(config.hidden_size));
  }
  // BertPooler: tanh(W_p h[CLS] + b_p), as wide as the hidden state.
  config.classification_head = {Pooler::kZeroIndex, config.hidden_size};

  if (const json* labels = top.find("id2label"); labels != nullptr && !labels->is_null()) {
    const Section id2label = top.section("id2label");
    for (std::int64_t id = 0; id < static_cast<std::int64_t>(labels->size()); ++id) {
      const std::string key = std::to_string(id);
      if (id2label.find(key.c_str()) == nullptr) {
        top.wrong("id2label", *labels, "labels for the ids 0 to " + std::to_string(labels->size() - 1));
      }
      config.labels.push_back(id2label.string(key.c_str()));
    }
  }
  if (const json* labels = top.find("num_labels"); labels != nullptr && !labels->is_null()) {
    config.num_labels = top.dimension("num_labels");
  } else if (!config.labels.empty()) {
    config.num_labels = static_cast<std::int64_t>(config.labels.size());
  }
  if (const json* type = top.find("problem_type"); type != nullptr && !type->is_null()) {
    config.problem_type = top.choice<ProblemType>(
        "problem_type", {{"single_label_classification", ProblemType::kSingleLabel},
                         {"multi_label_classification", ProblemType::kMultiLabel},
                         {"regression", ProblemType::kRegression}});
  }
  return config;
}

void parse_feedforward(const Section& arch, ModelConfig& config) {
  // cramming builds a dense FFNComponent when intermed_type is absent or "ff".
  config.intermed_type = arch.find("intermed_type") == nullptr
                             ? FeedforwardKind::kDense
                             : arch.choice<FeedforwardKind>(
                                   "intermed_type", {{"fff", FeedforwardKind::kFastFeedforward},
                                                     {"ff", FeedforwardKind::kDense}});
  if (config.intermed_type == FeedforwardKind::kFastFeedforward) {
    config.intermed_depth = arch.integer("intermed_depth", 0, kMaxDepth);
  }
  config.intermed_size = arch.dimension("intermed_size");
}

}  // namespace

ProblemType ModelConfig::resolved_problem_type(std::int64_t labels) const {
  if (problem_type) return *problem_type;
  return labels == 1 ? ProblemType::kRegression : ProblemType::kSingleLabel;
}

std::int64_t ModelConfig::feedforward_width() const {
  return intermed_type == FeedforwardKind::kFastFeedforward ? intermed_size * fff_nodes_per_tree()
                                                            : intermed_size;
}

ModelConfig parse_model_config(std::string_view json_text, const std::string& source_name) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& error) {
    throw Error(source_name + ": invalid JSON: " + error.what());
  }
  const Section top(root, "", source_name);
  const Architecture architecture =
      top.find("model_type") == nullptr
          ? Architecture::kCrammedBert
          : top.choice<Architecture>("model_type", {{"crammedBERT", Architecture::kCrammedBert},
                                                    {"bert", Architecture::kBert}});
  if (architecture == Architecture::kBert) return parse_bert(top);
  const Section arch = top.section("arch");

  ModelConfig config;
  config.num_transformer_layers = arch.dimension("num_transformer_layers");
  config.hidden_size = arch.dimension("hidden_size");
  parse_feedforward(arch, config);
  arch.require_string("norm", "LayerNorm");
  config.norm_eps = arch.positive_number("norm_eps");
  arch.require_string("norm_scheme", "pre");
  arch.require_string("nonlin", "GELU");
  config.tie_weights = arch.boolean("tie_weights");
  arch.require_bool("decoder_bias", false);
  arch.require_bool("use_bias", false);
  config.final_norm = arch.boolean("final_norm");
  arch.require_bool("skip_head_transform", true);
  arch.require_string_if_present("objective_layout", "MLM");
  if (arch.find("ffn_layer_frequency") != nullptr &&
      arch.integer("ffn_layer_frequency", 0, kMaxDimension) != 1) {
    arch.unsupported("ffn_layer_frequency", arch.get("ffn_layer_frequency"), "1");
  }
  config.embedding = parse_embedding(arch, config.hidden_size);
  config.attention = parse_attention(arch, config.hidden_size);
  config.classification_head = parse_classification_head(arch);
  if (const json* labels = arch.find("num_labels"); labels != nullptr && !labels->is_null()) {
    config.num_labels = arch.dimension("num_labels");
  }
  return config;
}

ModelConfig read_model_config(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw Error(path.string() + ": cannot read");
  return parse_model_config(text.str(), path.string());
}

}  // namespace ufb::io

#include "train/arch_options.h"

#include <nlohmann/json.hpp>

#include "ufb/error.h"

namespace ufb::train {
namespace {

// Reads the number at `path` below `root` into `value` if it is there; `root_name` names root
// in messages ("arch", or "" for the top level).
void read_number(const nlohmann::json& root, const std::string& root_name,
                 const nlohmann::json::json_pointer& path, const std::string& source_name,
                 double low, bool low_inclusive, double high, double& value) {
  if (!root.contains(path) || root.at(path).is_null()) return;
  const nlohmann::json& node = root.at(path);
  const std::string key = root_name.empty() ? path.to_string().substr(1) : root_name + path.to_string();
  if (!node.is_number()) {
    throw Error(source_name + ": " + key + " must be a number, got " + node.dump());
  }
  const double number = node.get<double>();
  if (!(low_inclusive ? number >= low : number > low) || !(number < high)) {
    throw Error(source_name + ": " + key + " = " + node.dump() + " is outside " +
                (low_inclusive ? "[" : "(") + std::to_string(low) + ", " + std::to_string(high) +
                ")");
  }
  value = number;
}

}  // namespace

ArchOptions parse_arch_options(std::string_view config_json, const std::string& source_name) {
  const nlohmann::json root = nlohmann::json::parse(config_json, nullptr, false);
  using Pointer = nlohmann::json::json_pointer;
  ArchOptions options;
  DropoutRates& dropout = options.dropout;
  if (root.is_object() && root.contains("model_type") && root["model_type"] == "bert") {
    // transformers' BertConfig: its defaults where a key is missing; the classifier's dropout is
    // the hidden one unless classifier_dropout is set (BertForSequenceClassification).
    const auto read = [&](const char* key, double low, bool low_inclusive, double high, double& value) {
      read_number(root, "", Pointer(std::string("/") + key), source_name, low, low_inclusive, high, value);
    };
    read("initializer_range", 0.0, false, 1e9, options.init_std);
    dropout.hidden = 0.1;
    dropout.attention = 0.1;
    read("hidden_dropout_prob", 0.0, true, 1.0, dropout.hidden);
    read("attention_probs_dropout_prob", 0.0, true, 1.0, dropout.attention);
    dropout.embedding = dropout.hidden;
    dropout.classifier = dropout.hidden;
    read("classifier_dropout", 0.0, true, 1.0, dropout.classifier);
    return options;
  }
  if (root.is_discarded() || !root.is_object() || !root.contains("arch") ||
      !root["arch"].is_object()) {
    throw Error(source_name + ": expected a JSON object with an \"arch\" object");
  }
  const nlohmann::json& arch = root["arch"];
  const auto read = [&](const char* path, double low, bool low_inclusive, double high, double& value) {
    read_number(arch, "arch", Pointer(path), source_name, low, low_inclusive, high, value);
  };
  read("/init/std", 0.0, false, 1e9, options.init_std);
  read("/embedding/dropout_prob", 0.0, true, 1.0, dropout.embedding);
  read("/attention/dropout_prob", 0.0, true, 1.0, dropout.attention);
  read("/hidden_dropout_prob", 0.0, true, 1.0, dropout.hidden);
  read("/classification_head/classifier_dropout", 0.0, true, 1.0, dropout.classifier);
  return options;
}

}  // namespace ufb::train

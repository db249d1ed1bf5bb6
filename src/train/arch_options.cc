#include "ufb/train/arch_options.h"

#include <nlohmann/json.hpp>

#include "ufb/error.h"

namespace ufb::train {
namespace {

// Reads the number at `path` below `root` into `value` if it is there.
void read_number(const nlohmann::json& root, const nlohmann::json::json_pointer& path,
                 const std::string& source_name, double low, bool low_inclusive, double high,
                 double& value) {
  if (!root.contains(path) || root.at(path).is_null()) return;
  const nlohmann::json& node = root.at(path);
  const std::string key = "arch" + path.to_string();
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
  if (root.is_discarded() || !root.is_object() || !root.contains("arch") ||
      !root["arch"].is_object()) {
    throw Error(source_name + ": expected a JSON object with an \"arch\" object");
  }
  const nlohmann::json& arch = root["arch"];
  using Pointer = nlohmann::json::json_pointer;
  ArchOptions options;
  read_number(arch, Pointer("/init/std"), source_name, 0.0, false, 1e9, options.init_std);
  DropoutRates& dropout = options.dropout;
  read_number(arch, Pointer("/embedding/dropout_prob"), source_name, 0.0, true, 1.0, dropout.embedding);
  read_number(arch, Pointer("/attention/dropout_prob"), source_name, 0.0, true, 1.0, dropout.attention);
  read_number(arch, Pointer("/hidden_dropout_prob"), source_name, 0.0, true, 1.0, dropout.hidden);
  read_number(arch, Pointer("/classification_head/classifier_dropout"), source_name, 0.0, true, 1.0,
              dropout.classifier);
  return options;
}

}  // namespace ufb::train

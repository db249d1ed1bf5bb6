#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ufb/io/config.h"

namespace ufb::io {

enum class ModelHead {
  kMaskedLm,        // decoder.weight [V,H]
  kClassification,  // pooler.dense.{weight,bias}, head.{weight,bias}
};

struct ExpectedTensor {
  std::string name;
  std::vector<std::int64_t> shape;
};

// The tensors a state dict of this configuration holds (MODEL.md §3), in state-dict order, with
// the shapes the config implies. `num_labels` is used for kClassification only. Throws
// ufb::Error if a shape's size overflows.
std::vector<ExpectedTensor> expected_tensors(const ModelConfig& config, ModelHead head,
                                             std::int64_t num_labels = 0);

}  // namespace ufb::io

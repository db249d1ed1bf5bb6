#pragma once

#include <cstdint>
#include <memory>

#include "ufb/io/checkpoint.h"

namespace ufb::model {

// A masked-LM checkpoint of `config` with random weights at initialisation scale (normal-like,
// std 0.02; norms at weight 1, bias 0): what `ufb bench model` times when no model is given.
// The same seed gives the same weights.
std::unique_ptr<const io::Checkpoint> random_checkpoint(const io::ModelConfig& config,
                                                        std::uint64_t seed);

}  // namespace ufb::model

#pragma once

// AdamW with decoupled weight decay (Loshchilov & Hutter), computed as PyTorch's
// torch.optim.AdamW does it step for step in float32, and gradient clipping by global norm.

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "ufb/train/parameters.h"

namespace ufb::train {

struct AdamWOptions {
  double beta1 = 0.9;
  double beta2 = 0.98;
  double epsilon = 1e-12;
  double weight_decay = 0.01;  // applied to parameters with weight_decay set only
};

class AdamW {
 public:
  AdamW(const ParameterSet<float>& parameters, AdamWOptions options);

  // One update of every trainable parameter from its gradient.
  void step(ParameterSet<float>& parameters, double learning_rate);
  int64_t steps_taken() const { return steps_; }
  const AdamWOptions& options() const { return options_; }

  // The moments as "exp_avg.NAME" / "exp_avg_sq.NAME" tensors plus metadata, atomically.
  void save(const std::filesystem::path& path, const ParameterSet<float>& parameters,
            std::map<std::string, std::string> metadata) const;
  // Restores what save() wrote; returns its metadata. Throws ufb::Error naming the file and
  // the first tensor that is missing or does not fit the parameters.
  std::map<std::string, std::string> load(const std::filesystem::path& path,
                                          const ParameterSet<float>& parameters);

 private:
  AdamWOptions options_;
  int64_t steps_ = 0;
  std::vector<std::vector<float>> first_moments_;   // per parameter, empty if not trainable
  std::vector<std::vector<float>> second_moments_;
};

// Scales every trainable parameter's gradient by min(1, max_norm / (norm + 1e-6)), as
// torch.nn.utils.clip_grad_norm_ over the optimizer's parameters, and returns their global L2
// norm before clipping. max_norm <= 0 only measures.
double clip_grad_norm(ParameterSet<float>& parameters, double max_norm);

}  // namespace ufb::train

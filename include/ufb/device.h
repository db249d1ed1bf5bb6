#pragma once

// Where a model runs: the CPU, or one CUDA GPU (docs/cuda.md).

#include <string>
#include <string_view>

namespace ufb {

struct Device {
  enum class Kind { cpu, cuda };
  Kind kind = Kind::cpu;
  int index = 0;  // the GPU's CUDA device number; 0 on the CPU

  bool is_cuda() const { return kind == Kind::cuda; }
  bool operator==(const Device&) const = default;
};

// "cpu", "cuda" (GPU 0) or "cuda:N". Throws ufb::Error naming the accepted forms.
Device parse_device(std::string_view name);
std::string to_string(const Device& device);  // as parse_device reads it: "cpu", "cuda:0"

}  // namespace ufb

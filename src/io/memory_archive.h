#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "ufb/io/raw_tensor.h"

namespace ufb::io {

// A TensorArchive over float32 tensors it owns: weights made in memory (random ones for a
// benchmark, say) become a Checkpoint without a round trip through a file.
class MemoryArchive final : public TensorArchive {
 public:
  explicit MemoryArchive(std::string source_name) : source_name_(std::move(source_name)) {}

  // Throws ufb::Error if the values do not fill the shape.
  void add(std::string name, std::vector<std::int64_t> shape, std::vector<float> values);

  const std::string& source_name() const override { return source_name_; }
  const std::vector<RawTensor>& tensors() const override { return tensors_; }

 private:
  std::string source_name_;
  std::deque<std::vector<float>> storage_;  // a deque: adding never moves earlier tensors
  std::vector<RawTensor> tensors_;
};

}  // namespace ufb::io

#include "io/memory_archive.h"

#include "ufb/error.h"

namespace ufb::io {

void MemoryArchive::add(std::string name, std::vector<std::int64_t> shape,
                        std::vector<float> values) {
  const std::uint64_t count = checked_element_count(shape, sizeof(float), name);
  if (count != values.size()) {
    throw Error(source_name_ + ": tensor " + name + " of shape " + format_shape(shape) + " needs " +
                std::to_string(count) + " values, got " + std::to_string(values.size()));
  }
  const std::vector<float>& stored = storage_.emplace_back(std::move(values));
  tensors_.push_back({std::move(name), DType::kF32, std::move(shape),
                      std::as_bytes(std::span<const float>(stored))});
}

}  // namespace ufb::io

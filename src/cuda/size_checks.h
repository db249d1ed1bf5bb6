#pragma once

// Argument checks shared by the CUDA kernels' entry points.

#include <cstdint>
#include <string>
#include <string_view>

#include "ufb/error.h"

namespace ufb::ops {

inline void check_cuda_span(std::string_view op, std::string_view what, size_t actual, int64_t expected) {
  if (static_cast<int64_t>(actual) != expected) {
    throw Error(std::string(op) + " " + std::string(what) + " has " + std::to_string(actual) +
                " values, the shape implies " + std::to_string(expected));
  }
}

// Batches index the grid's x dimension, which holds up to 2^31 - 1 blocks.
inline void check_cuda_batch(std::string_view op, int64_t batch) {
  if (batch < 0 || batch > INT32_MAX) {
    throw Error(std::string(op) + " batch must be in 0..2147483647, got " + std::to_string(batch));
  }
}

inline void check_cuda_pointer(std::string_view op, std::string_view what, const void* pointer) {
  if (!pointer) throw Error(std::string(op) + " " + std::string(what) + " is a null device pointer");
}

}  // namespace ufb::ops

#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ufb::ops {

// Returns the [cols, rows] transpose of a row-major [rows, cols] matrix.
std::vector<float> transposed(std::span<const float> matrix, int64_t rows, int64_t cols);

}  // namespace ufb::ops

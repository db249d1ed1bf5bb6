#include "transpose.h"

#include <algorithm>

namespace ufb::ops {

std::vector<float> transposed(std::span<const float> matrix, int64_t rows, int64_t cols) {
  std::vector<float> result(matrix.size());
  // Tiles keep both the reads and the writes within a few cache lines at a time.
  constexpr int64_t kTile = 32;
  for (int64_t r0 = 0; r0 < rows; r0 += kTile) {
    for (int64_t c0 = 0; c0 < cols; c0 += kTile) {
      for (int64_t r = r0; r < std::min(rows, r0 + kTile); ++r) {
        for (int64_t c = c0; c < std::min(cols, c0 + kTile); ++c) {
          result[c * rows + r] = matrix[r * cols + c];
        }
      }
    }
  }
  return result;
}

}  // namespace ufb::ops

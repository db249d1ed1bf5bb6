#include "ops/embedding.h"

#include <cmath>
#include <string>

#include "ufb/error.h"

namespace ufb::ops {

std::vector<float> sinusoidal_positions(int64_t positions, int64_t hidden) {
  if (positions < 0 || hidden < 1) {
    throw Error("sinusoidal positions need >= 0 positions and hidden >= 1, got " +
                std::to_string(positions) + " and " + std::to_string(hidden));
  }
  // PyTorch multiplies float32 tensors: the frequency and the angle are float32 products.
  const auto step = static_cast<float>(-std::log(10000.0) / static_cast<double>(hidden));
  std::vector<float> table(positions * hidden);
  for (int64_t i = 0; 2 * i < hidden; ++i) {
    const float frequency = std::exp(static_cast<float>(2 * i) * step);
    for (int64_t p = 0; p < positions; ++p) {
      const float angle = static_cast<float>(p) * frequency;
      float* row = table.data() + p * hidden;
      row[2 * i] = static_cast<float>(std::sin(double{angle}));
      if (2 * i + 1 < hidden) row[2 * i + 1] = static_cast<float>(std::cos(double{angle}));
    }
  }
  return table;
}

void embed_sequence(std::span<const float> word_table, int64_t hidden,
                    std::span<const int32_t> ids, std::span<const float> positions,
                    float position_scale, std::span<float> out,
                    std::span<const float> type_table, std::span<const int32_t> types) {
  const auto tokens = static_cast<int64_t>(ids.size());
  if (hidden < 1 || word_table.size() % hidden != 0 || type_table.size() % hidden != 0 ||
      (!types.empty() && static_cast<int64_t>(types.size()) != tokens) ||
      static_cast<int64_t>(positions.size()) < tokens * hidden ||
      static_cast<int64_t>(out.size()) != tokens * hidden) {
    throw Error("embedding: a table of " + std::to_string(word_table.size()) + " values, " +
                std::to_string(positions.size()) + " position values and " +
                std::to_string(out.size()) + " outputs do not fit " + std::to_string(tokens) +
                " tokens of width " + std::to_string(hidden));
  }
  const auto vocab = static_cast<int64_t>(word_table.size()) / hidden;
  for (int64_t p = 0; p < tokens; ++p) {
    if (ids[p] < 0 || ids[p] >= vocab) {
      throw Error("embedding: token id " + std::to_string(ids[p]) + " at position " +
                  std::to_string(p) + " is outside the vocabulary of " + std::to_string(vocab));
    }
    const float* word = word_table.data() + ids[p] * hidden;
    const float* position = positions.data() + p * hidden;
    float* row = out.data() + p * hidden;
    if (type_table.empty()) {
      for (int64_t h = 0; h < hidden; ++h) row[h] = word[h] + position_scale * position[h];
      continue;
    }
    const int32_t type = types.empty() ? 0 : types[p];
    if (type < 0 || type >= static_cast<int64_t>(type_table.size()) / hidden) {
      throw Error("embedding: token type " + std::to_string(type) + " at position " +
                  std::to_string(p) + " is outside the table of " +
                  std::to_string(type_table.size() / hidden) + " types");
    }
    // transformers' order: (word + type) + position.
    const float* type_row = type_table.data() + type * hidden;
    for (int64_t h = 0; h < hidden; ++h) {
      row[h] = (word[h] + type_row[h]) + position_scale * position[h];
    }
  }
}

}  // namespace ufb::ops

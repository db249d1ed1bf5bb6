#include "unit_length.h"

#include <cmath>

namespace ufb::cli {

void normalize_to_unit_length(std::span<float> vector) {
  double norm = 0;
  for (const float v : vector) norm += double{v} * v;
  const float scale = norm > 0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
  for (float& v : vector) v *= scale;
}

}  // namespace ufb::cli

#pragma once

#include <span>

namespace ufb::cli {

// Scales `vector` to unit Euclidean length (summing in double); a zero vector stays zero. The
// `embed` command and the server's /embed share it so that their answers agree.
void normalize_to_unit_length(std::span<float> vector);

}  // namespace ufb::cli

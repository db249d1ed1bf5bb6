#pragma once

// x += update, element by element: the residual connections' add on the host, for the float
// inference ops and training's float and double passes alike.

#include <cstddef>
#include <span>

namespace ufb::ops {

template <class T>
void residual_add(std::span<T> x, std::span<const T> update) {
#pragma omp parallel for schedule(static) if (x.size() > 65536)
  for (size_t i = 0; i < x.size(); ++i) x[i] += update[i];
}

}  // namespace ufb::ops

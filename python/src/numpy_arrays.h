#pragma once

// NumPy arrays that own the C++ vectors they view, so results reach Python without a copy.

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstddef>
#include <vector>

namespace ufb::python {

template <typename T>
using NumpyArray = nanobind::ndarray<nanobind::numpy, T>;

// Moves `values` to the heap and hands them to a capsule that NumPy's array keeps alive; the
// capsule's destructor frees them (the one ownership transfer Python's C API allows).
template <typename T>
NumpyArray<T> to_numpy(std::vector<T>&& values, const std::vector<size_t>& shape) {
  auto* owned = new std::vector<T>(std::move(values));
  nanobind::capsule owner(owned, [](void* pointer) noexcept { delete static_cast<std::vector<T>*>(pointer); });
  return NumpyArray<T>(owned->data(), shape.size(), shape.data(), owner);
}

}  // namespace ufb::python

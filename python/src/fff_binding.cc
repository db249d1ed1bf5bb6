// ufb.fff_forward: the native FFF kernel (docs/model.md §1) on NumPy arrays.

#include "bindings.h"

#include <nanobind/ndarray.h>
#include <nanobind/stl/tuple.h>

#include <string>
#include <tuple>
#include <vector>

#include "numpy_arrays.h"
#include "ufb/error.h"
#include "ufb/ops/fff.h"

namespace nb = nanobind;

namespace ufb::python {
namespace {

// C-contiguous float32 arrays on the CPU: what the kernel reads in place.
using FloatInput = nb::ndarray<const float, nb::c_contig, nb::device::cpu>;

void require_shape(const FloatInput& array, const char* name, std::initializer_list<int64_t> shape) {
  bool same = array.ndim() == shape.size();
  std::string wanted = "[";
  size_t axis = 0;
  for (int64_t size : shape) {
    wanted += (axis ? ", " : "") + std::to_string(size);
    same = same && static_cast<int64_t>(array.shape(axis)) == size;
    ++axis;
  }
  wanted += "]";
  if (same) return;
  std::string got = "[";
  for (size_t i = 0; i < array.ndim(); ++i) got += (i ? ", " : "") + std::to_string(array.shape(i));
  got += "]";
  throw Error(std::string("fff_forward: ") + name + " has shape " + got + ", expected " + wanted);
}

std::tuple<NumpyArray<float>, NumpyArray<int32_t>, NumpyArray<int32_t>> fff_forward(
    FloatInput x, FloatInput w_in, FloatInput b_in, FloatInput w_out, int depth, int64_t trees) {
  if (depth < 0 || depth > ops::FffShape::kMaxDepth) {
    throw Error("fff_forward: depth must be 0.." + std::to_string(ops::FffShape::kMaxDepth) + ", not " +
                std::to_string(depth));
  }
  if (trees < 1) throw Error("fff_forward: trees must be at least 1, not " + std::to_string(trees));
  if (x.ndim() != 2) throw Error("fff_forward: x must be 2-D [tokens, hidden], not " + std::to_string(x.ndim()) + "-D");
  const int64_t batch = static_cast<int64_t>(x.shape(0));
  const ops::FffShape shape{static_cast<int64_t>(x.shape(1)), depth, trees};
  if (shape.hidden < 1) throw Error("fff_forward: x has no features (hidden size 0)");
  require_shape(w_in, "w_in", {shape.neurons(), shape.hidden});
  require_shape(b_in, "b_in", {shape.neurons()});
  require_shape(w_out, "w_out", {shape.neurons(), shape.hidden});
  const ops::FffWeights weights{shape,
                                {w_in.data(), w_in.size()},
                                {b_in.data(), b_in.size()},
                                {w_out.data(), w_out.size()},
                                ops::FffOutputLayout::neuron_major};
  std::vector<float> y(static_cast<size_t>(batch * shape.hidden));
  std::vector<int32_t> leaves(static_cast<size_t>(batch * trees));
  ops::FffPaths<float> paths;
  {
    nb::gil_scoped_release released;
    const auto kernel = ops::make_fff_kernel(ops::FffImpl::native, weights);
    kernel->forward({x.data(), x.size()}, batch, y, leaves, &paths);
  }
  // The kernel counts neurons over all trees; Python users index nodes within their tree.
  std::vector<int32_t> nodes(std::move(paths.neurons));
  for (size_t i = 0; i < nodes.size(); ++i) {
    const int64_t tree = static_cast<int64_t>(i / static_cast<size_t>(shape.levels())) % trees;
    nodes[i] -= static_cast<int32_t>(tree * shape.nodes_per_tree());
  }
  const auto rows = static_cast<size_t>(batch);
  return {to_numpy(std::move(y), std::vector<size_t>{rows, static_cast<size_t>(shape.hidden)}),
          to_numpy(std::move(leaves), std::vector<size_t>{rows, static_cast<size_t>(trees)}),
          to_numpy(std::move(nodes),
                   std::vector<size_t>{rows, static_cast<size_t>(trees), static_cast<size_t>(shape.levels())})};
}

}  // namespace

void bind_fff(nb::module_& module) {
  module.def("fff_forward", &fff_forward, nb::arg("x"), nb::arg("w_in"), nb::arg("b_in"), nb::arg("w_out"),
             nb::arg("depth"), nb::arg("trees") = 1,
             "The native FFF kernel: returns (y [tokens, hidden], leaves [tokens, trees], nodes "
             "[tokens, trees, depth + 1]), node indices within each tree.");
}

}  // namespace ufb::python

#include "train/feedforward.h"

namespace ufb::train {

// Float trains on the native kernel, packing the weights anew for each call since every step
// changes them; its routing equals the reference's wherever a logit is not within float rounding
// of 0. Double, for gradient checks, runs the reference.
void fff_forward(const ops::FffRowWeights<float>& weights, std::span<const float> x, int64_t rows,
                 std::span<float> y, ops::FffPaths<float>& paths) {
  const ops::FffWeights view{weights.shape, weights.w_in, weights.b_in, weights.w_out_rows,
                             ops::FffOutputLayout::neuron_major};
  ops::make_fff_kernel(ops::FffImpl::native, view)->forward(x, rows, y, {}, &paths);
}

void fff_forward(const ops::FffRowWeights<double>& weights, std::span<const double> x,
                 int64_t rows, std::span<double> y, ops::FffPaths<double>& paths) {
  ops::fff_reference(weights, x, rows, y, &paths);
}

}  // namespace ufb::train

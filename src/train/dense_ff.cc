#include "train/feedforward.h"

#include "ops/linear.h"

namespace ufb::train {
namespace {

template <class T>
ops::LinearWeights<T> input_layer(const DenseFfParams<T>& params) {
  return {params.hidden, params.width, params.w_in, params.b_in};
}

template <class T>
ops::LinearWeights<T> output_layer(const DenseFfParams<T>& params) {
  return {params.width, params.hidden, params.w_out, params.b_out};
}

}  // namespace

template <class T>
void dense_ff_forward(const DenseFfParams<T>& params, std::span<const T> x, int64_t rows,
                      std::span<T> y, DenseFfCache<T>& cache) {
  cache.pre_activation.resize(rows * params.width);
  ops::linear(input_layer(params), x, rows, cache.pre_activation);
  cache.activation.resize(cache.pre_activation.size());
  for (size_t i = 0; i < cache.activation.size(); ++i) {
    cache.activation[i] = ops::activate(params.activation, cache.pre_activation[i]);
  }
  ops::linear(output_layer(params), cache.activation, rows, y);
}

template <class T>
void dense_ff_backward(const DenseFfParams<T>& params, std::span<const T> x, int64_t rows,
                       const DenseFfCache<T>& cache, std::span<const T> dy, std::span<T> dx,
                       const DenseFfGrads<T>& grads) {
  std::vector<T> dactivation(cache.activation.size(), T{0});
  ops::linear_backward(output_layer(params), cache.activation, rows, dy, dactivation,
                     {grads.w_out, grads.b_out});
  for (size_t i = 0; i < dactivation.size(); ++i) {
    dactivation[i] *= ops::activation_derivative(params.activation, cache.pre_activation[i]);
  }
  ops::linear_backward(input_layer(params), x, rows, dactivation, dx, {grads.w_in, grads.b_in});
}

template void dense_ff_forward<float>(const DenseFfParams<float>&, std::span<const float>,
                                      int64_t, std::span<float>, DenseFfCache<float>&);
template void dense_ff_forward<double>(const DenseFfParams<double>&, std::span<const double>,
                                       int64_t, std::span<double>, DenseFfCache<double>&);
template void dense_ff_backward<float>(const DenseFfParams<float>&, std::span<const float>,
                                       int64_t, const DenseFfCache<float>&,
                                       std::span<const float>, std::span<float>,
                                       const DenseFfGrads<float>&);
template void dense_ff_backward<double>(const DenseFfParams<double>&, std::span<const double>,
                                        int64_t, const DenseFfCache<double>&,
                                        std::span<const double>, std::span<double>,
                                        const DenseFfGrads<double>&);

}  // namespace ufb::train

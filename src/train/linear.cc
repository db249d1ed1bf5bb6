#include "ufb/train/linear.h"

#include <string>

#include "ufb/error.h"
#include "ops/blas.h"

namespace ufb::train {
namespace {

template <class T>
void check_sizes(const LinearParams<T>& layer, size_t x_size, int64_t rows, size_t y_size) {
  const int64_t in = layer.in_features;
  const int64_t out = layer.out_features;
  if (in < 1 || out < 1 || static_cast<int64_t>(layer.weight.size()) != in * out ||
      (!layer.bias.empty() && static_cast<int64_t>(layer.bias.size()) != out) || rows < 0 ||
      static_cast<int64_t>(x_size) != rows * in || static_cast<int64_t>(y_size) != rows * out) {
    throw Error("linear layer [" + std::to_string(out) + "," + std::to_string(in) + "] with " +
                std::to_string(layer.weight.size()) + " weights got " + std::to_string(x_size) +
                " inputs and " + std::to_string(y_size) + " outputs for " +
                std::to_string(rows) + " rows");
  }
}

}  // namespace

template <class T>
void linear_forward(const LinearParams<T>& layer, std::span<const T> x, int64_t rows,
                    std::span<T> y, Accumulate accumulate) {
  check_sizes(layer, x.size(), rows, y.size());
  const int64_t in = layer.in_features;
  const int64_t out = layer.out_features;
  const bool add = accumulate == Accumulate::yes;
  if (!layer.bias.empty()) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < out; ++c) y[r * out + c] = (add ? y[r * out + c] : T{0}) + layer.bias[c];
    }
  }
  const T beta = add || !layer.bias.empty() ? T{1} : T{0};
  ops::gemm<T>(ops::Transpose::no, ops::Transpose::yes, rows, out, in, T{1}, x.data(), in, layer.weight.data(), in,
          beta, y.data(), out);
}

template <class T>
void linear_backward(const LinearParams<T>& layer, std::span<const T> x, int64_t rows,
                     std::span<const T> dy, std::span<T> dx, const LinearGrads<T>& grads) {
  check_sizes(layer, x.size(), rows, dy.size());
  const int64_t in = layer.in_features;
  const int64_t out = layer.out_features;
  if (!dx.empty()) {
    check_sizes(layer, dx.size(), rows, dy.size());
    ops::gemm<T>(ops::Transpose::no, ops::Transpose::no, rows, in, out, T{1}, dy.data(), out, layer.weight.data(),
            in, T{1}, dx.data(), in);
  }
  if (!grads.weight.empty()) {
    ops::gemm<T>(ops::Transpose::yes, ops::Transpose::no, out, in, rows, T{1}, dy.data(), out, x.data(), in, T{1},
            grads.weight.data(), in);
  }
  if (!grads.bias.empty()) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < out; ++c) grads.bias[c] += dy[r * out + c];
    }
  }
}

template void linear_forward<float>(const LinearParams<float>&, std::span<const float>, int64_t,
                                    std::span<float>, Accumulate);
template void linear_forward<double>(const LinearParams<double>&, std::span<const double>, int64_t,
                                     std::span<double>, Accumulate);
template void linear_backward<float>(const LinearParams<float>&, std::span<const float>, int64_t,
                                     std::span<const float>, std::span<float>,
                                     const LinearGrads<float>&);
template void linear_backward<double>(const LinearParams<double>&, std::span<const double>,
                                      int64_t, std::span<const double>, std::span<double>,
                                      const LinearGrads<double>&);

}  // namespace ufb::train

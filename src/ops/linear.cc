#include "ops/linear.h"

#include <string>

#include "ops/blas.h"
#include "onednn_matmul.h"
#include "ops/cuda_backend.h"
#include "ufb/error.h"

namespace ufb::ops {
namespace {

template <class T>
void validate_layer(const LinearWeights<T>& weights) {
  if (weights.in_features < 1 || weights.out_features < 1) {
    throw Error("linear layer must have >= 1 input and output features, got " +
                std::to_string(weights.in_features) + " and " +
                std::to_string(weights.out_features));
  }
  if (static_cast<int64_t>(weights.weight.size()) != weights.in_features * weights.out_features) {
    throw Error("linear weight has " + std::to_string(weights.weight.size()) +
                " values, expected [" + std::to_string(weights.out_features) + "," +
                std::to_string(weights.in_features) + "]");
  }
  if (!weights.bias.empty() && static_cast<int64_t>(weights.bias.size()) != weights.out_features) {
    throw Error("linear bias has " + std::to_string(weights.bias.size()) + " values, expected " +
                std::to_string(weights.out_features));
  }
}

template <class T>
void check_sizes(const LinearWeights<T>& weights, size_t x_size, int64_t rows, size_t y_size) {
  const int64_t in = weights.in_features;
  const int64_t out = weights.out_features;
  if (rows < 0 || static_cast<int64_t>(x_size) != rows * in ||
      static_cast<int64_t>(y_size) != rows * out) {
    throw Error("linear layer [" + std::to_string(out) + "," + std::to_string(in) + "] got " +
                std::to_string(x_size) + " inputs and " + std::to_string(y_size) +
                " outputs for " + std::to_string(rows) + " rows");
  }
}

template <class T>
void linear_forward(const LinearWeights<T>& weights, std::span<const T> x, int64_t rows,
                    std::span<T> y, LinearOutput output) {
  validate_layer(weights);
  check_sizes(weights, x.size(), rows, y.size());
  const int64_t in = weights.in_features;
  const int64_t out = weights.out_features;
  if (rows == 0) return;
  const bool accumulate = output == LinearOutput::accumulate;
  if (!weights.bias.empty()) {
    // The bias goes into y first; then gemm adds the product. Overwriting never reads y.
#pragma omp parallel for schedule(static) if (rows * out > 32768)
    for (int64_t r = 0; r < rows; ++r) {
      T* row = y.data() + r * out;
      for (int64_t c = 0; c < out; ++c) row[c] = (accumulate ? row[c] : T{0}) + weights.bias[c];
    }
  }
  const T beta = accumulate || !weights.bias.empty() ? T{1} : T{0};
  gemm<T>(Transpose::no, Transpose::yes, rows, out, in, T{1}, x.data(), in,
          weights.weight.data(), in, beta, y.data(), out);
}

template <class T>
void backward(const LinearWeights<T>& weights, std::span<const T> x, int64_t rows,
              std::span<const T> dy, std::span<T> dx, const LinearGrads<T>& grads) {
  validate_layer(weights);
  check_sizes(weights, x.size(), rows, dy.size());
  const int64_t in = weights.in_features;
  const int64_t out = weights.out_features;
  if (!dx.empty()) {
    check_sizes(weights, dx.size(), rows, dy.size());
    gemm<T>(Transpose::no, Transpose::no, rows, in, out, T{1}, dy.data(), out,
            weights.weight.data(), in, T{1}, dx.data(), in);
  }
  if (!grads.weight.empty()) {
    gemm<T>(Transpose::yes, Transpose::no, out, in, rows, T{1}, dy.data(), out, x.data(), in, T{1},
            grads.weight.data(), in);
  }
  if (!grads.bias.empty()) {
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t c = 0; c < out; ++c) grads.bias[c] += dy[r * out + c];
    }
  }
}

}  // namespace

void validate(const LinearWeights<float>& weights) { validate_layer(weights); }
void validate(const LinearWeights<double>& weights) { validate_layer(weights); }

void linear(const LinearWeights<float>& weights, std::span<const float> x, int64_t rows,
            std::span<float> y, LinearOutput output) {
  linear_forward(weights, x, rows, y, output);
}

void linear(const LinearWeights<double>& weights, std::span<const double> x, int64_t rows,
            std::span<double> y, LinearOutput output) {
  linear_forward(weights, x, rows, y, output);
}

void linear_backward(const LinearWeights<float>& weights, std::span<const float> x, int64_t rows,
                     std::span<const float> dy, std::span<float> dx,
                     const LinearGrads<float>& grads) {
  backward(weights, x, rows, dy, dx, grads);
}

void linear_backward(const LinearWeights<double>& weights, std::span<const double> x,
                     int64_t rows, std::span<const double> dy, std::span<double> dx,
                     const LinearGrads<double>& grads) {
  backward(weights, x, rows, dy, dx, grads);
}

PreparedLinear::PreparedLinear(const LinearWeights<float>& weights, const Device& device)
    : in_features_(weights.in_features), out_features_(weights.out_features), device_(device) {
  validate(weights);
}

void PreparedLinear::forward(std::span<const float> x, int64_t rows, std::span<float> y) const {
  check_sizes(LinearWeights<float>{in_features_, out_features_, {}, {}}, x.size(), rows, y.size());
  if (rows > 0) run(x.data(), rows, y.data());
}

namespace {

class OnednnLinear final : public PreparedLinear {
 public:
  OnednnLinear(const LinearWeights<float>& weights, LinearOutput output, WeightType precision)
      : PreparedLinear(weights, Device{}),
        matmul_(weights.weight.data(), weights.in_features, weights.out_features,
                weights.bias.empty() ? nullptr : weights.bias.data(),
                MatmulOptions{.accumulate = output == LinearOutput::accumulate, .precision = precision}) {}

  int64_t held_bytes() const override { return matmul_.held_bytes(); }

 private:
  void run(const float* x, int64_t rows, float* y) const override { matmul_.run(x, rows, y); }

  OnednnMatmul matmul_;
};

}  // namespace

std::unique_ptr<PreparedLinear> make_prepared_linear(const LinearWeights<float>& weights, LinearOutput output,
                                                     WeightType precision, const Device& device) {
  validate(weights);
  if (device.is_cuda()) return make_cuda_linear(weights, output, precision, device);
  return std::make_unique<OnednnLinear>(weights, output, precision);
}

}  // namespace ufb::ops

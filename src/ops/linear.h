#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "ufb/ops/weight_type.h"

namespace ufb::ops {

// A linear layer y = x · W^T (+ b), in PyTorch's layout: weight [out_features, in_features]
// row-major, bias [out_features] or empty. Non-owning views. Float runs the model; double checks
// gradients.
template <class T>
struct LinearWeights {
  int64_t in_features = 0;
  int64_t out_features = 0;
  std::span<const T> weight;
  std::span<const T> bias;
};

// Gradients of a linear layer's parameters, accumulated (+=). An empty span is not computed.
template <class T>
struct LinearGrads {
  std::span<T> weight;
  std::span<T> bias;
};

// Throws ufb::Error naming the mismatch.
void validate(const LinearWeights<float>& weights);
void validate(const LinearWeights<double>& weights);

enum class LinearOutput {
  overwrite,   // y = x · W^T + b
  accumulate,  // y += x · W^T + b (a residual connection without a temporary)
};

// The reference path: x [rows, in_features] → y [rows, out_features], through one BLAS gemm.
// Called outside a parallel region it uses the process's OpenMP pool. One implementation for both
// scalar types. Throws ufb::Error on a size mismatch.
void linear(const LinearWeights<float>& weights, std::span<const float> x, int64_t rows,
            std::span<float> y, LinearOutput output = LinearOutput::overwrite);
void linear(const LinearWeights<double>& weights, std::span<const double> x, int64_t rows,
            std::span<double> y, LinearOutput output = LinearOutput::overwrite);

// The gradient through linear() of input x [rows, in_features]: dx += dy · W (skipped when dx is
// empty); grads.weight += dy^T · x; grads.bias += the column sums of dy.
void linear_backward(const LinearWeights<float>& weights, std::span<const float> x, int64_t rows,
                     std::span<const float> dy, std::span<float> dx,
                     const LinearGrads<float>& grads);
void linear_backward(const LinearWeights<double>& weights, std::span<const double> x,
                     int64_t rows, std::span<const double> dy, std::span<double> dx,
                     const LinearGrads<double>& grads);

class OnednnMatmul;

// A linear layer prepared for many calls on the same weights (the encoder's projections):
// oneDNN matmul on weights reordered once into its preferred layout, which runs near the CPU's
// peak whatever the CPU (OpenBLAS's run-time dispatch falls back to old SSE kernels on CPUs it
// does not know). Equal to linear() up to float rounding in f32; bf16 and int8 as OnednnMatmul
// describes (src/ops/onednn_matmul.h). `weights` are views that must outlive the layer.
class PreparedLinear {
 public:
  PreparedLinear(const LinearWeights<float>& weights, LinearOutput output,
                 WeightType precision = WeightType::f32);
  ~PreparedLinear();
  PreparedLinear(PreparedLinear&&) noexcept;
  PreparedLinear& operator=(PreparedLinear&&) noexcept;

  // x [rows, in_features] → y [rows, out_features]. Throws ufb::Error on a size mismatch.
  void forward(std::span<const float> x, int64_t rows, std::span<float> y) const;
  // Bytes of the weights in the layout and precision the layer holds them.
  int64_t held_bytes() const;

 private:
  LinearWeights<float> weights_;
  std::unique_ptr<OnednnMatmul> matmul_;
};

}  // namespace ufb::ops

#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "ufb/device.h"
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

// A linear layer prepared on one device for many calls on the same weights (the encoder's
// projections), writing as `output` says. On the CPU: oneDNN matmul on weights reordered once
// into its preferred layout, which runs near the CPU's peak whatever the CPU (OpenBLAS's
// run-time dispatch falls back to old SSE kernels on CPUs it does not know); equal to linear()
// up to float rounding in f32, bf16 and int8 as OnednnMatmul describes
// (src/ops/onednn_matmul.h); `weights` are views that must outlive the layer. On a GPU
// (src/cuda/linear.h): cuBLAS on an uploaded copy, f32 (no TF32) or bf16.
class PreparedLinear {
 public:
  virtual ~PreparedLinear() = default;
  PreparedLinear(const PreparedLinear&) = delete;
  PreparedLinear& operator=(const PreparedLinear&) = delete;

  // x [rows, in_features] → y [rows, out_features], in the device's memory (on a GPU queued on
  // cuda::current_stream(), no wait). Throws ufb::Error on a size mismatch.
  void forward(std::span<const float> x, int64_t rows, std::span<float> y) const;
  // Bytes of the weights in the layout and precision the layer holds them.
  virtual int64_t held_bytes() const = 0;
  const Device& device() const { return device_; }

 protected:
  PreparedLinear(const LinearWeights<float>& weights, const Device& device);
  int64_t in_features() const { return in_features_; }
  int64_t out_features() const { return out_features_; }
  // Called with checked sizes and rows >= 1.
  virtual void run(const float* x, int64_t rows, float* y) const = 0;

 private:
  int64_t in_features_;
  int64_t out_features_;
  Device device_;
};

// Throws ufb::Error for weights that do not fit their shape, a precision the device's layer
// lacks (a GPU's: f32 and bf16), or a GPU this build or machine does not have.
std::unique_ptr<PreparedLinear> make_prepared_linear(const LinearWeights<float>& weights, LinearOutput output,
                                                     WeightType precision = WeightType::f32,
                                                     const Device& device = {});

}  // namespace ufb::ops

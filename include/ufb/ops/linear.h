#pragma once

#include <cstdint>
#include <memory>
#include <span>

namespace ufb::ops {

// A linear layer y = x · W^T (+ b), in PyTorch's layout: weight [out_features, in_features]
// row-major, bias [out_features] or empty. Non-owning views.
struct LinearWeights {
  int64_t in_features = 0;
  int64_t out_features = 0;
  std::span<const float> weight;
  std::span<const float> bias;
};

void validate(const LinearWeights& weights);  // throws ufb::Error naming the mismatch

enum class LinearOutput {
  overwrite,   // y = x · W^T + b
  accumulate,  // y += x · W^T + b (a residual connection without a temporary)
};

// x [rows, in_features] → y [rows, out_features], through one OpenBLAS sgemm. Called outside a
// parallel region it uses the process's OpenMP pool. Throws ufb::Error on a size mismatch.
void linear(const LinearWeights& weights, std::span<const float> x, int64_t rows,
            std::span<float> y, LinearOutput output = LinearOutput::overwrite);

class OnednnMatmul;

// A linear layer prepared for many calls on the same weights (the encoder's projections):
// oneDNN matmul on weights reordered once into its preferred layout, which runs near the CPU's
// peak whatever the CPU (OpenBLAS's run-time dispatch falls back to old SSE kernels on CPUs it
// does not know). Equal to linear() up to float rounding. `weights` are views that must outlive
// the layer.
class PreparedLinear {
 public:
  PreparedLinear(const LinearWeights& weights, LinearOutput output);
  ~PreparedLinear();
  PreparedLinear(PreparedLinear&&) noexcept;
  PreparedLinear& operator=(PreparedLinear&&) noexcept;

  // x [rows, in_features] → y [rows, out_features]. Throws ufb::Error on a size mismatch.
  void forward(std::span<const float> x, int64_t rows, std::span<float> y) const;

 private:
  LinearWeights weights_;
  std::unique_ptr<OnednnMatmul> matmul_;
};

}  // namespace ufb::ops

#include "ufb/ops/linear.h"

#include <cblas.h>

#include <string>

#include "onednn_matmul.h"
#include "ufb/error.h"

namespace ufb::ops {

void validate(const LinearWeights& weights) {
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

namespace {

void check_sizes(const LinearWeights& weights, std::span<const float> x, int64_t rows,
                 std::span<float> y) {
  const int64_t in = weights.in_features;
  const int64_t out = weights.out_features;
  if (rows < 0 || static_cast<int64_t>(x.size()) != rows * in ||
      static_cast<int64_t>(y.size()) != rows * out) {
    throw Error("linear layer [" + std::to_string(out) + "," + std::to_string(in) + "] got " +
                std::to_string(x.size()) + " inputs and " + std::to_string(y.size()) +
                " outputs for " + std::to_string(rows) + " rows");
  }
}

}  // namespace

void linear(const LinearWeights& weights, std::span<const float> x, int64_t rows,
            std::span<float> y, LinearOutput output) {
  validate(weights);
  check_sizes(weights, x, rows, y);
  const int64_t in = weights.in_features;
  const int64_t out = weights.out_features;
  if (rows == 0) return;
  const bool accumulate = output == LinearOutput::accumulate;
  if (!weights.bias.empty()) {
    // The bias goes into y first; then sgemm adds the product. Overwriting never reads y.
#pragma omp parallel for schedule(static) if (rows * out > 32768)
    for (int64_t r = 0; r < rows; ++r) {
      float* row = y.data() + r * out;
      for (int64_t c = 0; c < out; ++c) row[c] = (accumulate ? row[c] : 0.0f) + weights.bias[c];
    }
  }
  const float beta = accumulate || !weights.bias.empty() ? 1.0f : 0.0f;
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows),
              static_cast<blasint>(out), static_cast<blasint>(in), 1.0f, x.data(),
              static_cast<blasint>(in), weights.weight.data(), static_cast<blasint>(in), beta,
              y.data(), static_cast<blasint>(out));
}

PreparedLinear::PreparedLinear(const LinearWeights& weights, LinearOutput output)
    : weights_(weights) {
  validate(weights);
  matmul_ = std::make_unique<OnednnMatmul>(
      weights.weight.data(), weights.in_features, weights.out_features,
      weights.bias.empty() ? nullptr : weights.bias.data(),
      MatmulOptions{.accumulate = output == LinearOutput::accumulate});
}

PreparedLinear::~PreparedLinear() = default;
PreparedLinear::PreparedLinear(PreparedLinear&&) noexcept = default;
PreparedLinear& PreparedLinear::operator=(PreparedLinear&&) noexcept = default;

void PreparedLinear::forward(std::span<const float> x, int64_t rows, std::span<float> y) const {
  check_sizes(weights_, x, rows, y);
  if (rows > 0) matmul_->run(x.data(), rows, y.data());
}

}  // namespace ufb::ops

// Dense feedforward baselines on OpenBLAS at the three BLAS levels. OpenBLAS is the OpenMP
// build: called inside one of our parallel regions it runs single-threaded, and called outside
// (blas_l3) it uses our pool.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "baselines/baselines.h"
#include "ufb/ops/gelu.h"

namespace ufb::bench {

using ops::DenseFfKernel;
using ops::DenseFfWeights;
using ops::bias_gelu_inplace;
using ops::gelu;

namespace {

class BlasDenseFf : public DenseFfKernel {
 public:
  using DenseFfKernel::DenseFfKernel;

 protected:
  // y = b_out, or zero without a bias, for `rows` tokens.
  void init_output(float* y, int64_t rows) const {
    const int64_t hidden = shape().hidden;
    for (int64_t b = 0; b < rows; ++b) {
      if (weights().b_out.empty()) {
        std::fill_n(y + b * hidden, hidden, 0.0f);
      } else {
        std::copy_n(weights().b_out.data(), hidden, y + b * hidden);
      }
    }
  }
};

// One sdot per neuron for the hidden layer, one sdot per output value.
class BlasL1DenseFf final : public BlasDenseFf {
 public:
  using BlasDenseFf::BlasDenseFf;

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    const auto [hidden, width] = shape();
    const DenseFfWeights& w = weights();
    init_output(y, batch);
#pragma omp parallel
    {
      std::vector<float> activation(width);
#pragma omp for schedule(static)
      for (int64_t b = 0; b < batch; ++b) {
        for (int64_t j = 0; j < width; ++j) {
          activation[j] = cblas_sdot(hidden, x + b * hidden, 1, w.w_in.data() + j * hidden, 1);
        }
        bias_gelu_inplace(activation, 1, width, w.b_in);
        for (int64_t h = 0; h < hidden; ++h) {
          y[b * hidden + h] += cblas_sdot(width, activation.data(), 1, w.w_out.data() + h * width, 1);
        }
      }
    }
  }
};

// One sgemv per token and layer.
class BlasL2DenseFf final : public BlasDenseFf {
 public:
  using BlasDenseFf::BlasDenseFf;

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    const auto [hidden, width] = shape();
    const DenseFfWeights& w = weights();
    init_output(y, batch);
#pragma omp parallel
    {
      std::vector<float> activation(width);
#pragma omp for schedule(static)
      for (int64_t b = 0; b < batch; ++b) {
        cblas_sgemv(CblasRowMajor, CblasNoTrans, width, hidden, 1.0f, w.w_in.data(), hidden,
                    x + b * hidden, 1, 0.0f, activation.data(), 1);
        bias_gelu_inplace(activation, 1, width, w.b_in);
        cblas_sgemv(CblasRowMajor, CblasNoTrans, hidden, width, 1.0f, w.w_out.data(), width,
                    activation.data(), 1, 1.0f, y + b * hidden, 1);
      }
    }
  }
};

// One sgemm per layer over the whole batch.
class BlasL3DenseFf final : public BlasDenseFf {
 public:
  using BlasDenseFf::BlasDenseFf;

 private:
  void run(const float* x, int64_t batch, float* y) const override {
    const auto [hidden, width] = shape();
    const DenseFfWeights& w = weights();
    std::vector<float> activation(batch * width);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, width, hidden, 1.0f, x, hidden,
                w.w_in.data(), hidden, 0.0f, activation.data(), width);
    bias_gelu_inplace(activation, batch, width, w.b_in);
    init_output(y, batch);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, batch, hidden, width, 1.0f,
                activation.data(), width, w.w_out.data(), width, 1.0f, y, hidden);
  }
};

}  // namespace

std::unique_ptr<DenseFfKernel> make_blas_l1_dense_ff(const DenseFfWeights& weights) {
  return std::make_unique<BlasL1DenseFf>(weights);
}
std::unique_ptr<DenseFfKernel> make_blas_l2_dense_ff(const DenseFfWeights& weights) {
  return std::make_unique<BlasL2DenseFf>(weights);
}
std::unique_ptr<DenseFfKernel> make_blas_l3_dense_ff(const DenseFfWeights& weights) {
  return std::make_unique<BlasL3DenseFf>(weights);
}

}  // namespace ufb::bench

#include "ops/blas.h"

#include <cblas.h>
#include <dnnl.h>

#include <string>

#include "ufb/error.h"

namespace ufb::ops {
namespace {

char to_dnnl(Transpose transpose) { return transpose == Transpose::yes ? 'T' : 'N'; }

CBLAS_TRANSPOSE to_cblas(Transpose transpose) {
  return transpose == Transpose::yes ? CblasTrans : CblasNoTrans;
}

blasint to_blas(int64_t value) { return static_cast<blasint>(value); }

}  // namespace

// oneDNN rather than OpenBLAS: oneDNN picks its kernels by the ISA it finds, while Debian 12's
// OpenBLAS 0.3.21 does not know recent Intel cores and falls back to its SSE3 kernels there
// (a fifth of oneDNN's speed on a Xeon with AVX-512). Row-major, as cblas_sgemm is called.
template <>
void gemm<float>(Transpose transpose_a, Transpose transpose_b, int64_t m, int64_t n, int64_t k,
                 float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                 float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // C = beta · C; oneDNN refuses an empty inner dimension
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = beta == 0.0f ? 0.0f : beta * c[i * ldc + j];
    }
    return;
  }
  const dnnl_status_t status =
      dnnl_sgemm(to_dnnl(transpose_a), to_dnnl(transpose_b), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  if (status != dnnl_success) {
    throw Error("gemm of [" + std::to_string(m) + ", " + std::to_string(k) + "] x [" + std::to_string(k) + ", " +
                std::to_string(n) + "] failed in oneDNN (status " + std::to_string(static_cast<int>(status)) + ")");
  }
}

template <>
void gemm<double>(Transpose transpose_a, Transpose transpose_b, int64_t m, int64_t n, int64_t k,
                  double alpha, const double* a, int64_t lda, const double* b, int64_t ldb,
                  double beta, double* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_dgemm(CblasRowMajor, to_cblas(transpose_a), to_cblas(transpose_b), to_blas(m), to_blas(n),
              to_blas(k), alpha, a, to_blas(lda), b, to_blas(ldb), beta, c, to_blas(ldc));
}

template <>
float dot<float>(int64_t n, const float* x, const float* y) {
  return cblas_sdot(to_blas(n), x, 1, y, 1);
}

template <>
double dot<double>(int64_t n, const double* x, const double* y) {
  return cblas_ddot(to_blas(n), x, 1, y, 1);
}

template <>
void axpy<float>(int64_t n, float alpha, const float* x, float* y) {
  cblas_saxpy(to_blas(n), alpha, x, 1, y, 1);
}

template <>
void axpy<double>(int64_t n, double alpha, const double* x, double* y) {
  cblas_daxpy(to_blas(n), alpha, x, 1, y, 1);
}

}  // namespace ufb::ops

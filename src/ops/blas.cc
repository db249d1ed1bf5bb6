#include "ops/blas.h"

#include <cblas.h>

namespace ufb::ops {
namespace {

CBLAS_TRANSPOSE to_cblas(Transpose transpose) {
  return transpose == Transpose::yes ? CblasTrans : CblasNoTrans;
}

blasint to_blas(int64_t value) { return static_cast<blasint>(value); }

}  // namespace

template <>
void gemm<float>(Transpose transpose_a, Transpose transpose_b, int64_t m, int64_t n, int64_t k,
                 float alpha, const float* a, int64_t lda, const float* b, int64_t ldb, float beta,
                 float* c, int64_t ldc) {
  if (m == 0 || n == 0) return;
  cblas_sgemm(CblasRowMajor, to_cblas(transpose_a), to_cblas(transpose_b), to_blas(m), to_blas(n),
              to_blas(k), alpha, a, to_blas(lda), b, to_blas(ldb), beta, c, to_blas(ldc));
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

#pragma once

// The few BLAS calls the ops need, for float (the model) and double (gradient checks), so that
// each op is written once for both. float gemm runs in oneDNN, the rest in OpenBLAS. Called
// inside an OpenMP parallel region, both run on the calling thread; outside, on the process's
// pool.

#include <cstdint>

namespace ufb::ops {

enum class Transpose { no, yes };

// C [m, n] = alpha · op(A) · op(B) + beta · C, row-major, with leading dimensions lda/ldb/ldc.
template <class T>
void gemm(Transpose transpose_a, Transpose transpose_b, int64_t m, int64_t n, int64_t k, T alpha,
          const T* a, int64_t lda, const T* b, int64_t ldb, T beta, T* c, int64_t ldc);

template <class T>
T dot(int64_t n, const T* x, const T* y);

// y += alpha · x
template <class T>
void axpy(int64_t n, T alpha, const T* x, T* y);

}  // namespace ufb::ops

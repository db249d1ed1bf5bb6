// ops::gemm (src/ops/blas.h) against a plain triple loop in double: every transpose, leading
// dimensions wider than the matrices, alpha and beta, sizes that fill no SIMD vector evenly, for
// float (oneDNN) and double (OpenBLAS).

#include "ops/blas.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

namespace ufb::ops {
namespace {

template <class T>
void check_gemm(Transpose transpose_a, Transpose transpose_b, int64_t m, int64_t n, int64_t k, double tolerance) {
  std::mt19937 rng(static_cast<uint32_t>(m * 10007 + n * 101 + k));
  std::normal_distribution<double> normal;
  // Stored shapes: A is [m, k] or, transposed, [k, m]; B is [k, n] or [n, k]; 3 spare columns.
  const int64_t a_rows = transpose_a == Transpose::yes ? k : m, a_cols = transpose_a == Transpose::yes ? m : k;
  const int64_t b_rows = transpose_b == Transpose::yes ? n : k, b_cols = transpose_b == Transpose::yes ? k : n;
  const int64_t lda = a_cols + 3, ldb = b_cols + 3, ldc = n + 3;
  std::vector<T> a(a_rows * lda), b(b_rows * ldb), c(m * ldc);
  for (T& value : a) value = static_cast<T>(normal(rng));
  for (T& value : b) value = static_cast<T>(normal(rng));
  for (T& value : c) value = static_cast<T>(normal(rng));
  const std::vector<T> c_before = c;
  const T alpha = static_cast<T>(0.75), beta = static_cast<T>(-0.5);
  gemm<T>(transpose_a, transpose_b, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
  const auto a_at = [&](int64_t i, int64_t p) { return transpose_a == Transpose::yes ? a[p * lda + i] : a[i * lda + p]; };
  const auto b_at = [&](int64_t p, int64_t j) { return transpose_b == Transpose::yes ? b[j * ldb + p] : b[p * ldb + j]; };
  const std::string what = std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) +
                           (transpose_a == Transpose::yes ? " A^T" : "") + (transpose_b == Transpose::yes ? " B^T" : "");
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < ldc; ++j) {
      if (j >= n) {  // the spare columns are not written
        ASSERT_EQ(c[i * ldc + j], c_before[i * ldc + j]) << what;
        continue;
      }
      double sum = 0.0;
      for (int64_t p = 0; p < k; ++p) sum += double{a_at(i, p)} * double{b_at(p, j)};
      const double expected = double{alpha} * sum + double{beta} * c_before[i * ldc + j];
      ASSERT_NEAR(c[i * ldc + j], expected, tolerance * (1.0 + std::sqrt(static_cast<double>(k)))) << what << " at " << i << ", " << j;
    }
  }
}

TEST(Gemm, MatchesTheTripleLoopOnAwkwardShapes) {
  for (const Transpose transpose_a : {Transpose::no, Transpose::yes}) {
    for (const Transpose transpose_b : {Transpose::no, Transpose::yes}) {
      for (const auto& [m, n, k] : std::vector<std::tuple<int64_t, int64_t, int64_t>>{
               {1, 1, 1}, {1, 17, 5}, {13, 1, 33}, {7, 9, 0}, {37, 65, 129}, {130, 31, 67}}) {
        check_gemm<float>(transpose_a, transpose_b, m, n, k, 2e-5);
        check_gemm<double>(transpose_a, transpose_b, m, n, k, 1e-12);
      }
    }
  }
}

}  // namespace
}  // namespace ufb::ops

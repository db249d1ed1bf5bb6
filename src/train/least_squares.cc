#include "train/least_squares.h"

#include <climits>
#include <string>

#include "ufb/error.h"

extern "C" void dposv_(const char* uplo, const int* n, const int* nrhs, double* a, const int* lda,
                       double* b, const int* ldb, int* info);

namespace ufb::train {

void solve_positive_definite(std::span<double> a, int64_t n, std::span<double> b, int64_t nrhs,
                             const char* what) {
  if (n < 1 || nrhs < 1 || n > INT_MAX || nrhs > INT_MAX || a.size() != static_cast<size_t>(n * n) ||
      b.size() != static_cast<size_t>(n * nrhs)) {
    throw Error(std::string(what) + ": a least-squares system of " + std::to_string(n) + " unknowns and " +
                std::to_string(nrhs) + " right-hand sides does not match its matrices");
  }
  const int order = static_cast<int>(n);
  const int columns = static_cast<int>(nrhs);
  int info = 0;
  dposv_("L", &order, &columns, a.data(), &order, b.data(), &order, &info);
  if (info != 0) {
    throw Error(std::string(what) + ": the least-squares system is not positive definite (LAPACK dposv info " +
                std::to_string(info) + "); raise the ridge");
  }
}

}  // namespace ufb::train

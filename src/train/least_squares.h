#pragma once

// Dense symmetric positive-definite solves (LAPACK's Cholesky, dposv) for training's
// least-squares fits.

#include <cstdint>
#include <span>

namespace ufb::train {

// Solves A·X = B in place: `a` [n, n] symmetric positive definite (overwritten by its Cholesky
// factor), `b` [n, nrhs] column-major (overwritten by X). Throws ufb::Error naming `what` when A
// is not positive definite.
void solve_positive_definite(std::span<double> a, int64_t n, std::span<double> b, int64_t nrhs,
                             const char* what);

}  // namespace ufb::train

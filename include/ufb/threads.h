#pragma once

namespace ufb {

// ufb runs on one OpenMP thread pool for the whole process; OpenBLAS and oneDNN are linked
// against the same OpenMP runtime, so they share it instead of spinning against it.

// Sets the number of threads used by every kernel from now on (0 = all cores).
void set_num_threads(int threads);

// The number of threads kernels will use.
int num_threads();

// Number of cores the process may run on.
int available_cores();

}  // namespace ufb

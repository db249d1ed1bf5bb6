#include "ufb/threads.h"

#include <omp.h>
#include <sched.h>

#include "ufb/error.h"

namespace ufb {

void set_num_threads(int threads) {
  if (threads < 0) throw Error("thread count must be >= 0 (0 = all cores), got " + std::to_string(threads));
  omp_set_num_threads(threads == 0 ? available_cores() : threads);
}

int num_threads() { return omp_get_max_threads(); }

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return omp_get_num_procs();
}

}  // namespace ufb

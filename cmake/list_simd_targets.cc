// Prints the Highway targets a translation unit compiled with the project's flags holds, one
// name a line: the targets the ops tests are run on (tests/CMakeLists.txt).
#include <cstdio>

#include "hwy/targets.h"

int main() {
  for (long long targets = HWY_TARGETS; targets != 0; targets &= targets - 1) {
    std::printf("%s\n", hwy::TargetName(targets & -targets));
  }
  return 0;
}

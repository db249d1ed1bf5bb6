#pragma once

// The large data some tests read from `../shared/data` beside the checkout (GLUE, BERT's
// vocabulary, the book corpus). It is not part of the repository: a clone without it still
// passes its tests, and each test that needs it skips with one line naming the missing path.

#include <gtest/gtest.h>

#include <filesystem>
#include <string_view>

namespace ufb {

inline std::filesystem::path shared_data_path(std::string_view relative) {
  return std::filesystem::path(UFB_SHARED_DATA_DIR) / relative;
}

}  // namespace ufb

// Skips the running test (from its body or SetUp) when PATH does not exist.
#define UFB_SKIP_WITHOUT_SHARED_DATA(path)                                                        \
  do {                                                                                          \
    if (!std::filesystem::exists(path)) {                                                       \
      GTEST_SKIP() << "needs " << (path).string() << ", which is missing (the shared data is "  \
                   << "not beside this checkout)";                                              \
    }                                                                                           \
  } while (false)

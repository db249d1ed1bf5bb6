#pragma once

// Tests that read the large shared data set (BERT's vocabulary, GLUE) outside the repository
// skip, naming what is missing, where it is absent.

#include <gtest/gtest.h>

#include <filesystem>

namespace ufb::testing {

inline const std::filesystem::path kSharedDataDir = UFB_SHARED_DATA_DIR;

}  // namespace ufb::testing

// Skips the current test unless `path` (a std::filesystem::path) exists.
#define UFB_SKIP_IF_MISSING(path)                                                      \
  do {                                                                                 \
    if (!std::filesystem::exists(path)) {                                              \
      GTEST_SKIP() << (path).string() << " is missing (shared data, not in the repo)"; \
    }                                                                                  \
  } while (false)

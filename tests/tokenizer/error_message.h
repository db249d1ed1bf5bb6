#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "ufb/error.h"

namespace ufb::tokenizer {

// The message of the ufb::Error `action` throws ("" and a test failure if it throws none).
inline std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a ufb::Error";
  return "";
}

}  // namespace ufb::tokenizer

#define EXPECT_ERROR_CONTAINS(statement, fragment)                                  \
  do {                                                                              \
    const std::string message = ::ufb::tokenizer::error_of([&] { statement; });     \
    EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message; \
  } while (false)

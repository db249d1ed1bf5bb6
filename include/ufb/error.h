#pragma once

#include <stdexcept>
#include <string>

namespace ufb {

// The one exception type for bad input and unsupported requests. Its message is a complete,
// single-line sentence (what, where, what was expected); the CLI and the server print it as is.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace ufb

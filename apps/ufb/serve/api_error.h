#pragma once

// A request the server refuses, in the shape text-embeddings-inference (TEI) answers with: an
// HTTP status plus the JSON body {"error": message, "error_type": type}.

#include <string>

namespace ufb::serve {

struct ApiError {
  int status = 500;
  // TEI's kinds where one fits (Validation, Tokenizer, Empty, Overloaded, Unhealthy, Backend);
  // Unauthorized, NotFound and MethodNotAllowed for what TEI leaves to its HTTP framework.
  std::string error_type;
  std::string message;
};

// 422 Validation: the body is not JSON of the route's shape (TEI answers 422 for these too).
ApiError invalid_request(std::string message);
// 413 Validation: an input, a batch or the body is larger than the server's limits allow.
ApiError too_large(std::string message);
// 400 Empty: nothing to compute.
ApiError empty_request(std::string message);

// {"error": ..., "error_type": ...}; bytes that are not UTF-8 in the message become U+FFFD.
std::string error_body(const ApiError& error);

}  // namespace ufb::serve

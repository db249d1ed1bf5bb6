#pragma once

// Tokenizes a request's inputs under the server's maximum input length: an input over the limit
// is refused (413) unless the request asks for truncation, as in text-embeddings-inference.

#include <span>
#include <variant>
#include <vector>

#include "api_error.h"
#include "server_state.h"

namespace ufb::serve {

enum class LengthPolicy {
  refuse,     // an input over max_input_length is a 413
  truncate,   // cut as the server's TextModel is configured to (at most max_input_length)
  unlimited,  // /tokenize: report every token
};

// The encodings, or 422 Tokenizer / 413 Validation naming the input (1-based).
std::variant<std::vector<tokenizer::Encoding>, ApiError> tokenize_request(const ServerState& state,
                                                                          std::span<const TextInput> inputs,
                                                                          LengthPolicy policy);

}  // namespace ufb::serve

#pragma once

// Tokenizes a request's inputs under the server's maximum input length: an input over the limit
// is refused (413) unless the request asks for truncation, as in text-embeddings-inference.

#include <span>
#include <variant>
#include <vector>

#include "../text_inputs.h"
#include "api_error.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::serve {

enum class LengthPolicy {
  refuse,     // an input over max_input_length is a 413
  truncate,   // cut to max_input_length (longest first for pairs, as `tokenizers` does)
  unlimited,  // /tokenize: report every token
};

class InputEncoder {
 public:
  // `truncating` cuts inputs to max_input_length; `untruncated` must apply no truncation.
  InputEncoder(const tokenizer::Tokenizer& truncating, tokenizer::Tokenizer untruncated, size_t max_input_length);

  // The encodings, or 422 Tokenizer / 413 Validation naming the input (1-based).
  std::variant<std::vector<tokenizer::Encoding>, ApiError> encode(std::span<const cli::TextInput> inputs,
                                                                  LengthPolicy policy) const;
  const tokenizer::Tokenizer& tokenizer() const { return untruncated_; }
  size_t max_input_length() const { return max_input_length_; }

 private:
  const tokenizer::Tokenizer& truncating_;
  tokenizer::Tokenizer untruncated_;
  size_t max_input_length_;
};

}  // namespace ufb::serve

#include "request_tokens.h"

#include <string>

#include "ufb/error.h"

namespace ufb::serve {

std::variant<std::vector<tokenizer::Encoding>, ApiError> tokenize_request(const ServerState& state,
                                                                          std::span<const TextInput> inputs,
                                                                          LengthPolicy policy) {
  const size_t max_input_length = state.settings.max_input_length;
  const TextModel::Truncation truncation =
      policy == LengthPolicy::truncate ? TextModel::Truncation::as_configured : TextModel::Truncation::none;
  std::vector<tokenizer::Encoding> encodings;
  encodings.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    try {
      encodings.push_back(state.text_model.tokenize(inputs[i], i, truncation));
    } catch (const Error& error) {
      return ApiError{422, "Tokenizer", error.what()};
    }
    if (policy == LengthPolicy::refuse && encodings.back().size() > max_input_length) {
      return too_large("input " + std::to_string(i + 1) + " has " + std::to_string(encodings.back().size()) +
                       " tokens, more than the maximum input length " + std::to_string(max_input_length) +
                       ": shorten it or send \"truncate\": true");
    }
  }
  return encodings;
}

}  // namespace ufb::serve

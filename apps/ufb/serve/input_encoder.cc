#include "input_encoder.h"

#include <string>

#include "ufb/error.h"

namespace ufb::serve {

InputEncoder::InputEncoder(const tokenizer::Tokenizer& truncating, tokenizer::Tokenizer untruncated,
                           size_t max_input_length)
    : truncating_(truncating), untruncated_(std::move(untruncated)), max_input_length_(max_input_length) {}

std::variant<std::vector<tokenizer::Encoding>, ApiError> InputEncoder::encode(std::span<const cli::TextInput> inputs,
                                                                              LengthPolicy policy) const {
  const tokenizer::Tokenizer& tokenizer = policy == LengthPolicy::truncate ? truncating_ : untruncated_;
  std::vector<tokenizer::Encoding> encodings;
  encodings.reserve(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const cli::TextInput& input = inputs[i];
    try {
      encodings.push_back(input.is_pair() ? tokenizer.encode_pair(input.text, *input.text_pair)
                                          : tokenizer.encode(input.text));
    } catch (const Error& error) {
      return ApiError{422, "Tokenizer", "input " + std::to_string(i + 1) + ": " + error.what()};
    }
    if (policy == LengthPolicy::refuse && encodings.back().size() > max_input_length_) {
      return too_large("input " + std::to_string(i + 1) + " has " + std::to_string(encodings.back().size()) +
                       " tokens, more than the maximum input length " + std::to_string(max_input_length_) +
                       ": shorten it or send \"truncate\": true");
    }
  }
  return encodings;
}

}  // namespace ufb::serve

// Arbitrary bytes as text for a real tokenizer (BERT base uncased, loaded once): encoding must
// give ids or, for invalid UTF-8, throw ufb::Error. The input is also encoded as a pair, split
// at its first newline, by a copy that truncates to a few tokens, which exercises pair
// truncation and the post-processor on whatever the text becomes.

#include <string_view>

#include "fuzz_input.h"
#include "ufb/error.h"
#include "ufb/tokenizer/tokenizer.h"

namespace {

using ufb::tokenizer::Tokenizer;

const Tokenizer& tokenizer() {
  static const Tokenizer loaded = Tokenizer::from_file(UFB_FUZZ_TOKENIZER_JSON);
  return loaded;
}

const Tokenizer& truncating_tokenizer() {
  static const Tokenizer loaded = [] {
    Tokenizer truncating = Tokenizer::from_file(UFB_FUZZ_TOKENIZER_JSON);
    truncating.set_truncation(ufb::tokenizer::TruncationOptions{.max_length = 12});
    return truncating;
  }();
  return loaded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Loaded outside the try blocks: a tokenizer that cannot load is a broken harness, not input.
  const Tokenizer& bert = tokenizer();
  const Tokenizer& truncating = truncating_tokenizer();
  const std::string_view text = ufb::fuzz::as_text(data, size);
  try {
    bert.encode(text);
  } catch (const ufb::Error&) {
  }
  const std::size_t newline = text.find('\n');
  if (newline != std::string_view::npos) {
    try {
      truncating.encode_pair(text.substr(0, newline), text.substr(newline + 1));
    } catch (const ufb::Error&) {
    }
  }
  return 0;
}

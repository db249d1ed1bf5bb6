// Arbitrary bytes as tokenizer.json: loading must give a tokenizer or throw ufb::Error. A
// tokenizer that loads must then encode a few texts (added tokens, accents, CJK, a pair) without
// crashing: what a bad file configures shows only when it is used.

#include <array>
#include <string_view>

#include "fuzz_input.h"
#include "ufb/error.h"
#include "ufb/tokenizer/tokenizer.h"

namespace {

constexpr std::array<std::string_view, 3> kTexts = {
    "Hello, world! [MASK] [CLS]", "Ünïcödé   ＡＢＣ 中文字 don't\t\n", ""};

void encode_samples(const ufb::tokenizer::Tokenizer& tokenizer) {
  for (std::string_view text : kTexts) {
    try {
      tokenizer.encode(text);
      tokenizer.encode_pair(text, kTexts[0]);
    } catch (const ufb::Error&) {
      // Truncation a file configures may refuse an input; that is an answer, not a crash.
    }
  }
  tokenizer.encode_batch(std::span<const std::string_view>());
  tokenizer.id_to_token(0);
  tokenizer.vocab_size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto tokenizer = ufb::tokenizer::Tokenizer::from_json(ufb::fuzz::as_text(data, size),
                                                                "fuzz/tokenizer.json");
    encode_samples(tokenizer);
  } catch (const ufb::Error&) {
  }
  return 0;
}

#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "ufb/tokenizer/encoding.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::tokenizer {

// Byte offsets [start, stop) of a token in its text; nullopt where it could not be found.
using TokenOffset = std::optional<std::pair<size_t, size_t>>;

// The offsets of each token of `encoding` in `text`, found by matching the tokens' text
// (continuation prefix removed) against the text, ASCII case ignored: the tokenizer does not
// track alignment through its normalizer. Special tokens get (0, 0) as in `tokenizers`; a token
// whose text does not appear (the normalizer changed it: accents stripped, say) gets nullopt.
// For a pair, tokens of the second text are searched after those of the first, in `text` too:
// pass the concatenation or expect nullopt there.
std::vector<TokenOffset> token_offsets(const Tokenizer& tokenizer, const Encoding& encoding, std::string_view text);

}  // namespace ufb::tokenizer

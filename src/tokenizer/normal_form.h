#pragma once

// Unicode normalization as tokenizers does it (its unicode-normalization-alignments crate): with
// each character of the result, how it relates to the input, which is what its NormalizedString
// turns into alignments.

#include <string_view>
#include <vector>

#include "ufb/tokenizer/normalizer.h"

namespace ufb::tokenizer::unicode {

// A character of normalized text. change 0: it replaces the next input character; 1: it is
// inserted after the last one replaced; -n: it replaces the next input character and absorbs the
// n after it (a composition).
struct CharChange {
  char32_t c;
  int change;
};

// `text` (valid UTF-8) in the normal form of Unicode 9, as tokenizers computes it: canonical or
// compatibility decomposition, canonical ordering, then for NFC/NFKC canonical composition.
// The code points tokenizers' tables do not know are left alone (no decomposition, class 0,
// no composition).
std::vector<CharChange> normal_form(std::string_view text, NormalForm form);

}  // namespace ufb::tokenizer::unicode

#pragma once

// Truncation to a maximum number of tokens, special tokens included, with the semantics of
// tokenizers' truncate_encodings.

#include <cstddef>

#include "ufb/tokenizer/encoding.h"

namespace ufb::tokenizer {

enum class TruncationStrategy {
  kLongestFirst,  // cut the longer text first, then both evenly
  kOnlyFirst,
  kOnlySecond,
};

struct TruncationOptions {
  size_t max_length = 512;  // tokens, special tokens included
  TruncationStrategy strategy = TruncationStrategy::kLongestFirst;
  Side direction = Side::kRight;  // which end loses tokens
  // Throw a ufb::Error instead of cutting when a text does not fit.
  bool refuse_overlong = false;
};

// Cuts the model output of one or two texts so that together they hold at most `budget` tokens
// (max_length less the special tokens the post-processor adds). Sets `truncated` on what it cut.
// Throws ufb::Error when an only_first/only_second target is too short to absorb the cut, or
// when `second` is null under only_second.
void truncate(Encoding& first, Encoding* second, size_t budget, const TruncationOptions& options);

// Keeps `length` tokens of `encoding`, dropping from the side `direction` names.
void truncate_to(Encoding& encoding, size_t length, Side direction);

}  // namespace ufb::tokenizer

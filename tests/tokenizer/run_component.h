#pragma once

// A normalizer's or pre-tokenizer's result on one text, for tests of the pieces on their own.

#include <string>
#include <string_view>
#include <vector>

#include "ufb/tokenizer/normalizer.h"
#include "ufb/tokenizer/pre_tokenizer.h"

namespace ufb::tokenizer {

inline std::string normalized(const Normalizer& normalizer, std::string_view text) {
  return normalizer.normalized(text);
}

using Words = std::vector<std::string>;

inline Words words(const PreTokenizer& pre_tokenizer, std::string_view text) {
  std::vector<std::string_view> views;
  pre_tokenizer.split(text, views);
  return {views.begin(), views.end()};
}

}  // namespace ufb::tokenizer

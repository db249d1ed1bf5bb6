#pragma once

#include <optional>
#include <string>

namespace ufb {

// One input of fill-mask / embed / classify: a text, or a pair of texts.
struct TextInput {
  std::string text;
  std::optional<std::string> text_pair;  // an empty second text is still a pair, as in HF
  bool is_pair() const { return text_pair.has_value(); }
};

}  // namespace ufb

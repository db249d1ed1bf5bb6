#pragma once

#include <string_view>

#include "ufb/tokenizer/tokenizer.h"

namespace ufb::tokenizer {

// Reads every part of a Hugging Face tokenizer.json; `source` names the file in errors.
TokenizerParts parse_tokenizer_json(std::string_view text, std::string_view source);

}  // namespace ufb::tokenizer

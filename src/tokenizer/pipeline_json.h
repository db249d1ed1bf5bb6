#pragma once

// Builds normalizers and pre-tokenizers from their tokenizer.json objects.

#include <memory>

#include "tokenizer/json_fields.h"
#include "ufb/tokenizer/normalizer.h"
#include "ufb/tokenizer/pre_tokenizer.h"

namespace ufb::tokenizer {

std::unique_ptr<Normalizer> parse_normalizer(const json_fields::json& object,
                                             const json_fields::Where& where);
std::unique_ptr<PreTokenizer> parse_pre_tokenizer(const json_fields::json& object,
                                                  const json_fields::Where& where);

}  // namespace ufb::tokenizer

#pragma once

// Padding of finished encodings to a fixed length or to the longest of a batch.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "ufb/tokenizer/encoding.h"

namespace ufb::tokenizer {

struct PaddingOptions {
  std::optional<size_t> length;   // fixed length; unset: the longest encoding of the batch
  size_t pad_to_multiple_of = 0;  // 0: no rounding
  Side direction = Side::kRight;
  int32_t pad_id = 0;
  int32_t pad_type_id = 0;
  std::string pad_token = "[PAD]";
};

// The length to pad to when the longest encoding of the batch has `longest` tokens.
size_t padded_length(size_t longest, const PaddingOptions& options);

// Pads `encoding` to `length` tokens (attention mask 0); a longer one is left as it is.
void pad(Encoding& encoding, size_t length, const PaddingOptions& options);

}  // namespace ufb::tokenizer

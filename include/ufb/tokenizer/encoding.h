#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ufb::tokenizer {

// The tokens of one input (a text or a text pair), in model order.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;        // segment of each token (0 = first text, 1 = second)
  std::vector<std::string> tokens;      // vocabulary strings, or the matched text of added tokens
  std::vector<int32_t> attention_mask;  // 1 for real tokens, 0 for padding
  bool truncated = false;               // tokens were dropped to respect a maximum length

  size_t size() const { return ids.size(); }
};

// Which end of a sequence truncation cuts and padding fills.
enum class Side { kLeft, kRight };

}  // namespace ufb::tokenizer

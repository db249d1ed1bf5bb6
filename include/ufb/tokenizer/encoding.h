#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ufb::tokenizer {

// The tokens of one input (a text or a text pair), in model order.
struct Encoding {
  std::vector<int32_t> ids;
  std::vector<int32_t> type_ids;        // segment of each token (0 = first text, 1 = second)
  std::vector<std::string> tokens;      // vocabulary strings, or the matched text of added tokens
  // Byte offsets [start, stop) into the text (of a pair: the one of the two) each token came
  // from; (0, 0) for the special tokens the post-processor adds and for padding.
  std::vector<std::pair<size_t, size_t>> offsets;
  std::vector<int32_t> attention_mask;  // 1 for real tokens, 0 for padding
  bool truncated = false;               // tokens were dropped to respect a maximum length

  size_t size() const { return ids.size(); }
};

// Which end of a sequence truncation cuts and padding fills.
enum class Side { kLeft, kRight };

}  // namespace ufb::tokenizer

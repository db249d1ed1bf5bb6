#include "ufb/tokenizer/padding.h"

#include <utility>
#include <vector>

namespace ufb::tokenizer {
namespace {

template <typename T>
void fill(std::vector<T>& values, size_t count, const T& value, Side direction) {
  values.insert(direction == Side::kRight ? values.end() : values.begin(), count, value);
}

}  // namespace

size_t padded_length(size_t longest, const PaddingOptions& options) {
  size_t length = options.length.value_or(longest);
  const size_t multiple = options.pad_to_multiple_of;
  if (multiple > 0 && length % multiple != 0) length += multiple - length % multiple;
  return length;
}

void pad(Encoding& encoding, size_t length, const PaddingOptions& options) {
  if (encoding.size() >= length) return;
  const size_t count = length - encoding.size();
  fill(encoding.ids, count, options.pad_id, options.direction);
  fill(encoding.type_ids, count, options.pad_type_id, options.direction);
  fill(encoding.tokens, count, options.pad_token, options.direction);
  fill(encoding.offsets, count, std::pair<size_t, size_t>{0, 0}, options.direction);
  fill(encoding.attention_mask, count, int32_t{0}, options.direction);
}

}  // namespace ufb::tokenizer

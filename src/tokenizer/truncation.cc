#include "ufb/tokenizer/truncation.h"

#include <algorithm>
#include <string>
#include <utility>

#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

template <typename T>
void keep(std::vector<T>& values, size_t length, Side direction) {
  if (values.size() <= length) return;
  if (direction == Side::kRight) {
    values.resize(length);
  } else {
    values.erase(values.begin(), values.end() - static_cast<std::ptrdiff_t>(length));
  }
}

}  // namespace

void truncate_to(Encoding& encoding, size_t length, Side direction) {
  if (encoding.ids.size() <= length) return;
  keep(encoding.ids, length, direction);
  keep(encoding.type_ids, length, direction);
  keep(encoding.tokens, length, direction);
  keep(encoding.offsets, length, direction);
  keep(encoding.attention_mask, length, direction);
  encoding.truncated = true;
}

void truncate(Encoding& first, Encoding* second, size_t budget, const TruncationOptions& options) {
  const size_t total = first.size() + (second != nullptr ? second->size() : 0);
  if (total <= budget) return;
  if (options.refuse_overlong) {
    throw Error("tokenizer: the input has " + std::to_string(total) + " tokens but only " +
                std::to_string(budget) + " fit in max_length " +
                std::to_string(options.max_length) + " (truncation is set to refuse)");
  }
  if (budget == 0) {  // tokenizers empties both texts here, whatever the strategy
    truncate_to(first, 0, options.direction);
    if (second != nullptr) truncate_to(*second, 0, options.direction);
    return;
  }
  const size_t to_remove = total - budget;
  switch (options.strategy) {
    case TruncationStrategy::kLongestFirst: {
      if (second == nullptr) {
        truncate_to(first, budget, options.direction);
        return;
      }
      // Give the shorter text what it needs up to half the budget, the longer one the rest.
      size_t shorter = std::min(first.size(), second->size());
      size_t longer = shorter > budget ? shorter : std::max(shorter, budget - shorter);
      if (shorter + longer > budget) {
        shorter = budget / 2;
        longer = shorter + budget % 2;
      }
      const bool first_is_longer = first.size() > second->size();
      truncate_to(first, first_is_longer ? longer : shorter, options.direction);
      truncate_to(*second, first_is_longer ? shorter : longer, options.direction);
      return;
    }
    case TruncationStrategy::kOnlyFirst:
    case TruncationStrategy::kOnlySecond: {
      const bool cut_first = options.strategy == TruncationStrategy::kOnlyFirst;
      if (!cut_first && second == nullptr) {
        throw Error("tokenizer: truncation strategy only_second needs a text pair");
      }
      Encoding& target = cut_first ? first : *second;
      if (target.size() <= to_remove) {
        throw Error(std::string("tokenizer: the ") + (cut_first ? "first" : "second") +
                    " text has " + std::to_string(target.size()) + " tokens, too few to drop the " +
                    std::to_string(to_remove) + " needed for max_length " +
                    std::to_string(options.max_length) + " (expected more with only_" +
                    (cut_first ? "first" : "second") + ")");
      }
      truncate_to(target, target.size() - to_remove, options.direction);
      return;
    }
  }
}

}  // namespace ufb::tokenizer

#pragma once

// Pre-tokenizers split a normalized text into words, as the `pre_tokenizer` section of a Hugging
// Face tokenizer.json describes. Every supported one only splits (and drops separators), so
// words are views into the text.

#include <memory>
#include <string_view>
#include <vector>

namespace ufb::tokenizer {

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Appends the non-empty words of `text` (valid UTF-8) to `words`.
  virtual void split(std::string_view text, std::vector<std::string_view>& words) const = 0;
};

// What happens to a delimiter: dropped, its own word, glued to the word before or after it, or
// (Contiguous) runs of delimiters kept together as one word.
enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };

// Splits on whitespace (dropped) and punctuation (isolated).
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer();
// Words are runs of word characters or runs of other non-space characters (\w+|[^\w\s]+).
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer();
// Splits on whitespace only.
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();
// Splits on each punctuation character.
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior);
// Applies each pre-tokenizer to every word the previous one produced.
std::unique_ptr<PreTokenizer> make_pre_tokenizer_sequence(
    std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers);

}  // namespace ufb::tokenizer

#pragma once

// Trains a WordPiece vocabulary as Hugging Face tokenizers' WordPieceTrainer does: it runs BPE
// over the words of a corpus, pieces after a word's first character carrying the continuation
// prefix ("##"), and keeps every token BPE creates. Same steps, counts and tie rule as
// tokenizers' BpeTrainer: special tokens first, then the alphabet (sorted by code point), then
// the prefixed characters, then one token per merge of the most frequent adjacent pair (ties:
// the pair of smaller ids first). Where tokenizers numbers the prefixed characters in hash-map
// order (so differently from run to run), this trainer sorts them by code point, which makes
// it deterministic; vocabularies can then differ from tokenizers' only where pair counts tie.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ufb/tokenizer/normalizer.h"
#include "ufb/tokenizer/pre_tokenizer.h"

namespace ufb::tokenizer {

struct WordPieceTrainerOptions {
  size_t vocab_size = 30000;
  uint64_t min_frequency = 0;  // merges of rarer pairs are not made
  std::vector<std::string> special_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  std::optional<size_t> limit_alphabet;  // keep only the most frequent characters
  std::string continuing_subword_prefix = "##";
};

// Word frequencies of a corpus, as the normalizer and pre-tokenizer of the tokenizer to be
// trained see its words.
class WordCounter {
 public:
  WordCounter(const Normalizer* normalizer, const PreTokenizer* pre_tokenizer)
      : normalizer_(normalizer), pre_tokenizer_(pre_tokenizer) {}

  // Counts the words of `text`. Throws ufb::Error naming `source` when it is not valid UTF-8.
  void add_text(std::string_view text, std::string_view source);
  // Adds another counter's counts (for counting in parallel).
  void merge(const WordCounter& other);
  const std::unordered_map<std::string, uint64_t>& counts() const { return counts_; }

 private:
  const Normalizer* normalizer_;
  const PreTokenizer* pre_tokenizer_;
  std::unordered_map<std::string, uint64_t> counts_;
  std::vector<std::string_view> words_;  // reused between calls
};

// The trained vocabulary, tokens in id order. Throws ufb::Error when vocab_size cannot even hold
// the special tokens.
std::vector<std::string> train_wordpiece(const std::unordered_map<std::string, uint64_t>& word_counts,
                                         const WordPieceTrainerOptions& options);

}  // namespace ufb::tokenizer

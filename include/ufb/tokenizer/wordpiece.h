#pragma once

// The WordPiece model: greedy longest-match-first segmentation of one word into vocabulary
// entries, continuation pieces carrying a prefix ("##"). A word with no segmentation, or longer
// than max_input_chars_per_word code points, becomes the single unknown token.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ufb/tokenizer/encoding.h"

namespace ufb::tokenizer {

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

class WordPiece {
 public:
  // Throws ufb::Error (naming `source`) on a negative or repeated id, or an unk_token missing
  // from the vocabulary.
  WordPiece(std::vector<std::pair<std::string, int32_t>> vocab, WordPieceOptions options,
            std::string_view source);

  // One token per line, ids by line number (a BERT vocab.txt).
  static std::vector<std::pair<std::string, int32_t>> read_vocab_file(
      const std::filesystem::path& path);

  // Appends the pieces of `word` to out.ids and out.tokens, and their byte ranges in `word` to
  // out.offsets (the unknown token spans the whole word).
  void tokenize(std::string_view word, Encoding& out) const;

  std::optional<int32_t> token_to_id(std::string_view token) const;
  // Empty for an id that names no entry.
  std::string_view id_to_token(int32_t id) const;
  // One past the largest id.
  size_t id_limit() const { return tokens_by_id_.size(); }
  const WordPieceOptions& options() const { return options_; }

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
  };
  std::optional<int32_t> find(std::string_view token) const;

  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> ids_;
  std::vector<std::string> tokens_by_id_;
  WordPieceOptions options_;
  int32_t unk_id_ = 0;
};

}  // namespace ufb::tokenizer

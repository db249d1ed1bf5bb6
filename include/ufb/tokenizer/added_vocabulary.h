#pragma once

// Added tokens (the `added_tokens` of a tokenizer.json: special tokens such as [CLS] or <mask>,
// and user-added words) are cut out of the text before the WordPiece model sees it: those with
// normalized=false are matched in the raw text, the others in the normalized text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ufb::tokenizer {

class Normalizer;

struct AddedToken {
  std::string content;
  int32_t id = 0;
  bool single_word = false;  // match only where no word character touches either end
  bool lstrip = false;       // the match takes the whitespace before it
  bool rstrip = false;       // the match takes the whitespace after it
  bool normalized = false;   // match in the normalized text (content normalized the same way)
  bool special = false;
};

// A piece of text: either plain text, or an added token (with the text it matched).
struct TextPiece {
  std::string_view text;
  std::optional<int32_t> added_token_id;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` (may be null) turns the content of normalized tokens into their patterns.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);

  // Appends the pieces of `text`, cutting out tokens with normalized=false.
  void split_raw(std::string_view text, std::vector<TextPiece>& pieces) const;
  // Appends the pieces of normalized `text`, cutting out tokens with normalized=true.
  void split_normalized(std::string_view text, std::vector<TextPiece>& pieces) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  std::optional<int32_t> token_to_id(std::string_view content) const;
  const AddedToken* find_by_id(int32_t id) const;

 private:
  struct Pattern {
    std::string text;
    size_t token_index;
  };
  // Finds tokens leftmost-longest first, like the Aho-Corasick automaton tokenizers uses.
  struct Matcher {
    std::vector<Pattern> patterns;  // longest first
    bool first_bytes[256] = {};
  };
  void split(std::string_view text, const Matcher& matcher, std::vector<TextPiece>& pieces) const;

  std::vector<AddedToken> tokens_;
  Matcher raw_;
  Matcher normalized_;
};

}  // namespace ufb::tokenizer

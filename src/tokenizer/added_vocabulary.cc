#include "ufb/tokenizer/added_vocabulary.h"

#include <algorithm>
#include <utility>

#include "tokenizer/unicode.h"
#include "ufb/tokenizer/normalizer.h"

namespace ufb::tokenizer {
namespace {

char32_t last_code_point(std::string_view text) {
  size_t begin = text.size() - 1;
  while (begin > 0 && (static_cast<unsigned char>(text[begin]) & 0xC0) == 0x80) --begin;
  return unicode::next_code_point(text, begin);
}

// Start of the whitespace run that ends `text`.
size_t trailing_space_begin(std::string_view text) {
  size_t begin = text.size();
  while (begin > 0) {
    size_t previous = begin - 1;
    while (previous > 0 && (static_cast<unsigned char>(text[previous]) & 0xC0) == 0x80) --previous;
    size_t pos = previous;
    if (!unicode::is_whitespace(unicode::next_code_point(text, pos))) break;
    begin = previous;
  }
  return begin;
}

// Length of the whitespace run that starts `text`.
size_t leading_space_end(std::string_view text) {
  size_t end = 0;
  while (end < text.size()) {
    size_t pos = end;
    if (!unicode::is_whitespace(unicode::next_code_point(text, pos))) break;
    end = pos;
  }
  return end;
}

}  // namespace

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    const AddedToken& token = tokens_[i];
    if (token.content.empty()) continue;
    const std::string pattern = token.normalized && normalizer != nullptr
                                    ? normalizer->normalized(token.content)
                                    : token.content;
    if (pattern.empty()) continue;
    Matcher& matcher = token.normalized ? normalized_ : raw_;
    matcher.first_bytes[static_cast<unsigned char>(pattern[0])] = true;
    matcher.patterns.push_back({pattern, i});
  }
  for (Matcher* matcher : {&raw_, &normalized_}) {
    std::stable_sort(
        matcher->patterns.begin(), matcher->patterns.end(),
        [](const Pattern& a, const Pattern& b) { return a.text.size() > b.text.size(); });
  }
}

void AddedVocabulary::split_raw(std::string_view text, std::vector<TextPiece>& pieces) const {
  split(text, raw_, pieces);
}

void AddedVocabulary::split_normalized(std::string_view text,
                                       std::vector<TextPiece>& pieces) const {
  split(text, normalized_, pieces);
}

void AddedVocabulary::split(std::string_view text, const Matcher& matcher,
                            std::vector<TextPiece>& pieces) const {
  size_t emitted = 0;  // text before this offset is in `pieces` already
  size_t search = 0;   // where the next match may start
  while (search < text.size() && !matcher.patterns.empty()) {
    const Pattern* match = nullptr;
    size_t match_begin = search;
    for (; match_begin < text.size(); ++match_begin) {
      if (!matcher.first_bytes[static_cast<unsigned char>(text[match_begin])]) continue;
      const std::string_view rest = text.substr(match_begin);
      for (const Pattern& pattern : matcher.patterns) {
        if (rest.starts_with(pattern.text)) {
          match = &pattern;
          break;
        }
      }
      if (match != nullptr) break;
    }
    if (match == nullptr) break;
    size_t begin = match_begin;
    size_t end = match_begin + match->text.size();
    search = end;
    const AddedToken& token = tokens_[match->token_index];
    if (token.single_word) {
      const bool word_before =
          begin > 0 && unicode::is_word(last_code_point(text.substr(0, begin)));
      size_t after = end;
      const bool word_after =
          end < text.size() && unicode::is_word(unicode::next_code_point(text, after));
      if (word_before || word_after) continue;
    }
    if (token.lstrip) begin = std::max(trailing_space_begin(text.substr(0, begin)), emitted);
    if (token.rstrip) end += leading_space_end(text.substr(end));
    if (emitted < begin) pieces.push_back({text.substr(emitted, begin - emitted), std::nullopt});
    pieces.push_back({text.substr(begin, end - begin), token.id});
    emitted = end;
    search = end;
  }
  if (emitted < text.size()) pieces.push_back({text.substr(emitted), std::nullopt});
}

std::optional<int32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  for (const AddedToken& token : tokens_) {
    if (token.content == content) return token.id;
  }
  return std::nullopt;
}

const AddedToken* AddedVocabulary::find_by_id(int32_t id) const {
  for (const AddedToken& token : tokens_) {
    if (token.id == id) return &token;
  }
  return nullptr;
}

}  // namespace ufb::tokenizer

#pragma once

// Code point helpers for the tokenizer. The character properties are those Hugging Face
// `tokenizers` really uses, which come from several Unicode versions at once (the old
// unicode_categories crate, an old unicode-normalization, Rust's standard library, the regex
// engines): tools/make_unicode_tables.py records them code point by code point from the real
// components into unicode_tables.inc.

#include <cstddef>
#include <string>
#include <string_view>

namespace ufb::tokenizer::unicode {

// Throws ufb::Error "<what>: invalid UTF-8 at byte offset N ..." at the first bad sequence
// (truncated, overlong, surrogate, beyond U+10FFFF or a stray continuation byte).
void check_utf8(std::string_view text, std::string_view what);

// Decodes the code point starting at text[pos] and advances pos past it. The text must be
// valid UTF-8 (everything inside the tokenizer is checked on entry or built from checked text).
inline char32_t next_code_point(std::string_view text, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  if (lead < 0xE0) {
    const char32_t c = (char32_t{lead & 0x1Fu} << 6) | (byte(pos + 1) & 0x3Fu);
    pos += 2;
    return c;
  }
  if (lead < 0xF0) {
    const char32_t c =
        (char32_t{lead & 0x0Fu} << 12) | ((byte(pos + 1) & 0x3Fu) << 6) | (byte(pos + 2) & 0x3Fu);
    pos += 3;
    return c;
  }
  const char32_t c = (char32_t{lead & 0x07u} << 18) | ((byte(pos + 1) & 0x3Fu) << 12) |
                     ((byte(pos + 2) & 0x3Fu) << 6) | (byte(pos + 3) & 0x3Fu);
  pos += 4;
  return c;
}

// Byte length of the code point whose first byte is `lead`.
inline size_t utf8_length(unsigned char lead) {
  return lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
}

void append_utf8(std::string& out, char32_t c);

inline bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

size_t count_code_points(std::string_view text);

// White_Space (Rust's char::is_whitespace and regex \s, which agree).
bool is_whitespace(char32_t c);
// ASCII punctuation or general category P* in Unicode 8 (tokenizers' is_bert_punc / is_punc, from
// the unicode_categories crate).
bool is_punctuation(char32_t c);
// Regex \w of Unicode 16: alphabetic, marks, decimal numbers, connector punctuation, ZWNJ and
// ZWJ (the Whitespace pre-tokenizer's Oniguruma and single_word's Rust regex agree).
bool is_word(char32_t c);
// What BertNormalizer's clean_text removes: NUL, U+FFFD and categories Cc, Cf and Co in Unicode 8
// except \t, \n and \r.
bool is_control(char32_t c);
// The CJK ideograph blocks BertNormalizer surrounds with spaces.
bool is_chinese(char32_t c);
// Assigned in Unicode 9, the version of tokenizers' normalization tables (utf8proc's are newer;
// tokenizers leaves the code points it does not know alone).
bool is_normalization_known(char32_t c);
// Category Mn in Unicode 8 (BertNormalizer's strip_accents).
bool is_nonspacing_mark(char32_t c);
// Categories Mn, Mc and Me in Unicode 9 (the StripAccents normalizer).
bool is_mark(char32_t c);

// Appends Rust's char::to_lowercase(c) (Unicode 16), one code point to one or more.
void append_lowercase(std::string& out, char32_t c);


}  // namespace ufb::tokenizer::unicode

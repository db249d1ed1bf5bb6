#pragma once

// A text as the normalizers rewrite it, knowing for each of its bytes the bytes of the original
// text it came from, as Hugging Face tokenizers' NormalizedString does: that is what gives each
// token its offsets in the text the caller passed.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ufb::tokenizer {

// Byte offsets [start, stop) in the original text.
using ByteRange = std::pair<size_t, size_t>;

class NormalizedText {
 public:
  NormalizedText() = default;
  // The original (valid UTF-8), not yet normalized.
  explicit NormalizedText(std::string_view original) : text_(original) {}

  const std::string& text() const { return text_; }

  // The original character normalized byte `byte` was produced from (or, for an inserted
  // character, the one tokenizers attributes it to).
  ByteRange alignment(size_t byte) const;
  // The original range of the normalized bytes [begin, end), begin < end: from the start of the
  // first byte's alignment to the stop of the last one's, as tokenizers converts offsets.
  ByteRange original_range(size_t begin, size_t end) const {
    return {alignment(begin).first, alignment(end - 1).second};
  }

 private:
  friend class TextRewrite;

  std::string text_;
  // One per byte of text_. Empty while the text is laid out as the original (each character
  // where and as long as the one it came from), so that the common case, ASCII text that
  // normalization changes at most in case, costs nothing.
  std::vector<ByteRange> alignments_;
};

// Builds the next NormalizedText from the current one character by character, each new character
// either taking the place of the next source character (and its alignment) or inserted (taking
// the alignment of the last source character consumed; (0, 0) before any), with the semantics of
// tokenizers' NormalizedString::transform, so that offsets match it exactly.
class TextRewrite {
 public:
  explicit TextRewrite(const NormalizedText& source);

  bool done() const { return position_ == source_.text_.size(); }
  // Byte offset of the next source character.
  size_t position() const { return position_; }
  // The next source character (not consumed).
  char32_t peek() const;

  // Consumes the next source character and emits `c` in its place.
  void replace_next(char32_t c);
  // Emits the source bytes up to `end` (a character boundary) unchanged.
  void keep_until(size_t end);
  // Consumes the next source character, emitting nothing.
  void drop_next();
  // Consumes the source bytes up to `end` (a character boundary), emitting nothing.
  void drop_until(size_t end);
  // Emits `c` without consuming anything.
  void insert(char32_t c);

  // The rewritten text (the source must be consumed).
  NormalizedText finish() &&;

 private:
  // Gives the output bytes from `out_begin` on `alignment`.
  void align_new(size_t out_begin, ByteRange alignment);
  ByteRange source_alignment(size_t byte) const { return source_.alignment(byte); }
  // Leaves the same-layout representation: writes out the alignments of the first `bytes` bytes
  // of the output.
  void spell_out_alignments(size_t bytes);

  const NormalizedText& source_;
  size_t position_ = 0;
  NormalizedText out_;
  // Whether out_ still has the layout of the original (its alignments_ left empty).
  bool same_layout_;
};

}  // namespace ufb::tokenizer

#include "ufb/tokenizer/normalized_text.h"

#include "tokenizer/unicode.h"

namespace ufb::tokenizer {

ByteRange NormalizedText::alignment(size_t byte) const {
  if (!alignments_.empty()) return alignments_[byte];
  // Laid out as the original: the byte belongs to the character around it.
  size_t start = byte;
  while (start > 0 && (static_cast<unsigned char>(text_[start]) & 0xC0) == 0x80) --start;
  return {start, start + unicode::utf8_length(static_cast<unsigned char>(text_[start]))};
}

TextRewrite::TextRewrite(const NormalizedText& source)
    : source_(source), same_layout_(source.alignments_.empty()) {
  out_.text_.reserve(source.text_.size());
}

char32_t TextRewrite::peek() const {
  size_t pos = position_;
  return unicode::next_code_point(source_.text_, pos);
}

void TextRewrite::replace_next(char32_t c) {
  const size_t begin = position_;
  position_ += unicode::utf8_length(static_cast<unsigned char>(source_.text_[begin]));
  const size_t out_begin = out_.text_.size();
  unicode::append_utf8(out_.text_, c);
  if (same_layout_ && out_begin == begin && out_.text_.size() == position_) return;
  align_new(out_begin, source_alignment(begin));
}

void TextRewrite::keep_until(size_t end) {
  const size_t begin = position_;
  const size_t out_begin = out_.text_.size();
  out_.text_.append(source_.text_, begin, end - begin);
  position_ = end;
  if (same_layout_ && out_begin == begin) return;
  if (same_layout_) spell_out_alignments(out_begin);
  for (size_t byte = begin; byte < end; ++byte) out_.alignments_.push_back(source_alignment(byte));
}

void TextRewrite::drop_next() {
  position_ += unicode::utf8_length(static_cast<unsigned char>(source_.text_[position_]));
}

void TextRewrite::drop_until(size_t end) { position_ = end; }

void TextRewrite::insert(char32_t c) {
  const size_t out_begin = out_.text_.size();
  unicode::append_utf8(out_.text_, c);
  align_new(out_begin, position_ == 0 ? ByteRange{0, 0} : source_alignment(position_ - 1));
}

NormalizedText TextRewrite::finish() && { return std::move(out_); }

void TextRewrite::align_new(size_t out_begin, ByteRange alignment) {
  if (same_layout_) spell_out_alignments(out_begin);
  out_.alignments_.resize(out_.text_.size(), alignment);
}

void TextRewrite::spell_out_alignments(size_t bytes) {
  // Until now the output was laid out as the source, which was laid out as the original.
  out_.alignments_.reserve(out_.text_.size() + out_.text_.size() / 4);
  for (size_t byte = 0; byte < bytes; ++byte) out_.alignments_.push_back(source_.alignment(byte));
  same_layout_ = false;
}

}  // namespace ufb::tokenizer

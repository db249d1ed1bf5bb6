#include "ufb/tokenizer/normalizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tokenizer/normal_form.h"
#include "tokenizer/unicode.h"
#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

// Each normalizer rewrites the text as the tokenizers normalizer of the same name does, with the
// same choice, character by character, between replacing, inserting and dropping: that choice is
// what decides the alignments (normalized_text.h).

std::u32string code_points(std::string_view text) {
  std::u32string out;
  size_t pos = 0;
  while (pos < text.size()) out.push_back(unicode::next_code_point(text, pos));
  return out;
}

// The first character c lowercases to replaces it, the others (İ gives two) follow as
// insertions, as in tokenizers' NormalizedString::lowercase.
void rewrite_lowercase(TextRewrite& rewrite, char32_t c) {
  if (c < 0x80) {
    rewrite.replace_next(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    return;
  }
  std::string lowered;
  unicode::append_lowercase(lowered, c);
  size_t pos = 0;
  rewrite.replace_next(unicode::next_code_point(lowered, pos));
  while (pos < lowered.size()) rewrite.insert(unicode::next_code_point(lowered, pos));
}

// Replaces `text` by its normal form, following the changes tokenizers records.
void rewrite_normal_form(NormalizedText& text, NormalForm form) {
  if (unicode::is_ascii(text.text())) return;
  TextRewrite rewrite(text);
  for (const unicode::CharChange& change : unicode::normal_form(text.text(), form)) {
    if (change.change > 0) {
      rewrite.insert(change.c);
      continue;
    }
    rewrite.replace_next(change.c);
    for (int absorbed = 0; absorbed < -change.change; ++absorbed) rewrite.drop_next();
  }
  text = std::move(rewrite).finish();
}

class BertNormalizer final : public Normalizer {
 public:
  explicit BertNormalizer(const BertNormalizerOptions& options)
      : options_(options), strip_accents_(options.strip_accents.value_or(options.lowercase)) {}

  void normalize(NormalizedText& text) const override {
    if (options_.clean_text || options_.handle_chinese_chars) {
      TextRewrite rewrite(text);
      while (!rewrite.done()) {
        char32_t c = rewrite.peek();
        if (options_.clean_text) {
          if (unicode::is_control(c)) {
            rewrite.drop_next();
            continue;
          }
          if (unicode::is_whitespace(c)) c = ' ';
        }
        if (options_.handle_chinese_chars && unicode::is_chinese(c)) {
          // The ideograph becomes " c ", all three characters aligned to it.
          rewrite.replace_next(' ');
          rewrite.insert(c);
          rewrite.insert(' ');
          continue;
        }
        rewrite.replace_next(c);
      }
      text = std::move(rewrite).finish();
    }
    if (strip_accents_) rewrite_normal_form(text, NormalForm::kNFD);
    if (strip_accents_ || options_.lowercase) {
      // One pass: the accent test looks at the character before lowercasing, as two passes would.
      TextRewrite rewrite(text);
      while (!rewrite.done()) {
        const char32_t c = rewrite.peek();
        if (strip_accents_ && unicode::is_nonspacing_mark(c)) {
          rewrite.drop_next();
        } else if (options_.lowercase) {
          rewrite_lowercase(rewrite, c);
        } else {
          rewrite.replace_next(c);
        }
      }
      text = std::move(rewrite).finish();
    }
  }

 private:
  BertNormalizerOptions options_;
  bool strip_accents_;
};

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void normalize(NormalizedText& text) const override { rewrite_normal_form(text, form_); }

 private:
  NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(NormalizedText& text) const override {
    TextRewrite rewrite(text);
    while (!rewrite.done()) rewrite_lowercase(rewrite, rewrite.peek());
    text = std::move(rewrite).finish();
  }
};

class StripAccents final : public Normalizer {
 public:
  void normalize(NormalizedText& text) const override {
    if (unicode::is_ascii(text.text())) return;
    TextRewrite rewrite(text);
    while (!rewrite.done()) {
      const char32_t c = rewrite.peek();
      if (unicode::is_mark(c)) {
        rewrite.drop_next();
      } else {
        rewrite.replace_next(c);
      }
    }
    text = std::move(rewrite).finish();
  }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}

  void normalize(NormalizedText& text) const override {
    const std::string& source = text.text();
    size_t begin = 0;
    if (left_) {
      while (begin < source.size()) {
        size_t next = begin;
        if (!unicode::is_whitespace(unicode::next_code_point(source, next))) break;
        begin = next;
      }
    }
    size_t end = source.size();
    if (right_) {
      end = begin;
      size_t pos = begin;
      while (pos < source.size()) {
        if (!unicode::is_whitespace(unicode::next_code_point(source, pos))) end = pos;
      }
    }
    if (begin == 0 && end == source.size()) return;
    TextRewrite rewrite(text);
    rewrite.drop_until(begin);
    rewrite.keep_until(end);
    rewrite.drop_until(source.size());
    text = std::move(rewrite).finish();
  }

 private:
  bool left_;
  bool right_;
};

// What both Replace normalizers do with the matches they found, in order, as [begin, end) byte
// ranges: as in tokenizers' NormalizedString::replace, the matched characters go and `content` is
// inserted after them, so all of it aligns to the match's last character.
void replace_matches(NormalizedText& text, const std::vector<ByteRange>& matches,
                     const std::u32string& content) {
  if (matches.empty()) return;
  TextRewrite rewrite(text);
  for (const auto& [begin, end] : matches) {
    rewrite.keep_until(begin);
    rewrite.drop_until(end);
    for (const char32_t c : content) rewrite.insert(c);
  }
  rewrite.keep_until(text.text().size());
  text = std::move(rewrite).finish();
}

class ReplaceString final : public Normalizer {
 public:
  ReplaceString(std::string pattern, std::string_view content)
      : pattern_(std::move(pattern)), content_(code_points(content)) {}

  void normalize(NormalizedText& text) const override {
    if (pattern_.empty()) return;
    std::vector<ByteRange> matches;
    for (size_t found = text.text().find(pattern_); found != std::string::npos;
         found = text.text().find(pattern_, found + pattern_.size())) {
      matches.emplace_back(found, found + pattern_.size());
    }
    replace_matches(text, matches, content_);
  }

 private:
  std::string pattern_;
  std::u32string content_;
};

// PCRE2 in UTF mode matches code points, so classes such as [^\x00-\x7F] mean characters, not
// bytes, and with UCP \s, \w and \d are Unicode's, as in the Oniguruma engine of Hugging Face
// tokenizers. Unlike libstdc++'s std::regex, which recurses once per character of a match and
// overflowed the stack on a run of some 25,000 matching characters, PCRE2 backtracks on the
// heap within limits: a text that exceeds them gets a ufb::Error, never a crash.
class ReplaceRegex final : public Normalizer {
 public:
  ReplaceRegex(std::string_view pattern, std::string_view content)
      : pattern_(pattern), regex_(compile(pattern)), content_(code_points(content)) {}

  void normalize(NormalizedText& text) const override {
    replace_matches(text, find_matches(text.text()), content_);
  }

 private:
  struct CodeFree {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
  };
  struct MatchDataFree {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
  };

  // Every match, left to right, as pcre2_substitute's global mode (and Perl's /g) finds them:
  // after an empty match, first a non-empty one at the same place, else one a character later.
  std::vector<ByteRange> find_matches(std::string_view text) const {
    const std::unique_ptr<pcre2_match_data, MatchDataFree> match_data(
        pcre2_match_data_create_from_pattern(regex_.get(), nullptr));
    if (!match_data) throw std::bad_alloc();
    std::vector<ByteRange> matches;
    size_t start = 0;
    uint32_t options = 0;
    while (start <= text.size()) {
      const int found = pcre2_match(regex_.get(), as_pcre(text), text.size(), start, options,
                                    match_data.get(), nullptr);
      if (found == PCRE2_ERROR_NOMATCH) {
        if (options == 0 || start == text.size()) break;
        start += unicode::utf8_length(static_cast<unsigned char>(text[start]));
        options = 0;
        continue;
      }
      if (found < 0) {
        throw Error("regex \"" + pattern_ + "\" cannot be matched against the text (" +
                    error_message(found) + ")");
      }
      const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match_data.get());
      matches.emplace_back(ovector[0], ovector[1]);
      options = 0;
      if (ovector[0] == ovector[1]) {
        if (ovector[0] == text.size()) break;
        options = PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED;
      }
      start = ovector[1];
    }
    return matches;
  }

  static PCRE2_SPTR as_pcre(std::string_view text) {
    return reinterpret_cast<PCRE2_SPTR>(text.data());
  }

  static std::string error_message(int code) {
    std::array<PCRE2_UCHAR, 256> buffer{};
    const int length = pcre2_get_error_message(code, buffer.data(), buffer.size());
    return length < 0 ? "error " + std::to_string(code)
                      : std::string(reinterpret_cast<const char*>(buffer.data()),
                                    static_cast<std::size_t>(length));
  }

  static std::unique_ptr<pcre2_code, CodeFree> compile(std::string_view pattern) {
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    std::unique_ptr<pcre2_code, CodeFree> code(pcre2_compile(as_pcre(pattern), pattern.size(),
                                                             PCRE2_UTF | PCRE2_UCP, &error_code,
                                                             &error_offset, nullptr));
    if (!code) {
      throw Error("regex \"" + std::string(pattern) + "\" does not compile (" +
                  error_message(error_code) + " at offset " + std::to_string(error_offset) + ")");
    }
    return code;
  }

  std::string pattern_;
  std::unique_ptr<pcre2_code, CodeFree> regex_;
  std::u32string content_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string_view prefix) : prefix_(code_points(prefix)) {}

  // As tokenizers' NormalizedString::prepend: the prefix's first character takes the place of
  // the text's first one, which follows the prefix as an insertion, so all of them align to it.
  void normalize(NormalizedText& text) const override {
    if (text.text().empty() || prefix_.empty()) return;
    TextRewrite rewrite(text);
    const char32_t first = rewrite.peek();
    rewrite.replace_next(prefix_.front());
    for (size_t i = 1; i < prefix_.size(); ++i) rewrite.insert(prefix_[i]);
    rewrite.insert(first);
    rewrite.keep_until(text.text().size());
    text = std::move(rewrite).finish();
  }

 private:
  std::u32string prefix_;
};

class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> normalizers)
      : normalizers_(std::move(normalizers)) {}
  void normalize(NormalizedText& text) const override {
    for (const auto& normalizer : normalizers_) normalizer->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> normalizers_;
};

}  // namespace

std::string Normalizer::normalized(std::string_view text) const {
  NormalizedText normalized_text(text);
  normalize(normalized_text);
  return normalized_text.text();
}

std::unique_ptr<Normalizer> make_bert_normalizer(const BertNormalizerOptions& options) {
  return std::make_unique<BertNormalizer>(options);
}
std::unique_ptr<Normalizer> make_unicode_normalizer(NormalForm form) {
  return std::make_unique<UnicodeNormalizer>(form);
}
std::unique_ptr<Normalizer> make_lowercase() { return std::make_unique<Lowercase>(); }
std::unique_ptr<Normalizer> make_strip_accents() { return std::make_unique<StripAccents>(); }
std::unique_ptr<Normalizer> make_strip(bool left, bool right) {
  return std::make_unique<Strip>(left, right);
}
std::unique_ptr<Normalizer> make_replace_string(std::string pattern, std::string content) {
  return std::make_unique<ReplaceString>(std::move(pattern), content);
}
std::unique_ptr<Normalizer> make_replace_regex(std::string_view pattern, std::string content) {
  return std::make_unique<ReplaceRegex>(pattern, content);
}
std::unique_ptr<Normalizer> make_prepend(std::string prefix) {
  return std::make_unique<Prepend>(prefix);
}
std::unique_ptr<Normalizer> make_normalizer_sequence(
    std::vector<std::unique_ptr<Normalizer>> normalizers) {
  return std::make_unique<NormalizerSequence>(std::move(normalizers));
}

}  // namespace ufb::tokenizer

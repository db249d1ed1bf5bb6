#include "ufb/tokenizer/normalizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>
#include <memory>
#include <new>
#include <string>
#include <utility>

#include "tokenizer/unicode.h"
#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

// Rebuilds `text` code point by code point; `emit(c, out)` appends what replaces c.
template <typename Emit>
void rewrite_code_points(std::string& text, Emit emit) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t pos = 0;
  while (pos < text.size()) emit(unicode::next_code_point(text, pos), out);
  text = std::move(out);
}

class BertNormalizer final : public Normalizer {
 public:
  explicit BertNormalizer(const BertNormalizerOptions& options)
      : options_(options), strip_accents_(options.strip_accents.value_or(options.lowercase)) {}

  void normalize(std::string& text) const override {
    if (options_.clean_text || options_.handle_chinese_chars) {
      rewrite_code_points(text, [this](char32_t c, std::string& out) {
        if (options_.clean_text) {
          if (unicode::is_control(c)) return;
          if (unicode::is_whitespace(c)) c = ' ';
        }
        if (options_.handle_chinese_chars && unicode::is_chinese(c)) {
          out.push_back(' ');
          unicode::append_utf8(out, c);
          out.push_back(' ');
          return;
        }
        unicode::append_utf8(out, c);
      });
    }
    if (strip_accents_) text = unicode::to_normal_form(text, NormalForm::kNFD);
    if (strip_accents_ || options_.lowercase) {
      // One pass: the accent test looks at the character before lowercasing, as two passes would.
      rewrite_code_points(text, [this](char32_t c, std::string& out) {
        if (strip_accents_ && unicode::is_nonspacing_mark(c)) return;
        if (options_.lowercase) {
          unicode::append_lowercase(out, c);
        } else {
          unicode::append_utf8(out, c);
        }
      });
    }
  }

 private:
  BertNormalizerOptions options_;
  bool strip_accents_;
};

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(NormalForm form) : form_(form) {}
  void normalize(std::string& text) const override {
    if (!unicode::is_ascii(text)) text = unicode::to_normal_form(text, form_);
  }

 private:
  NormalForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    rewrite_code_points(text,
                        [](char32_t c, std::string& out) { unicode::append_lowercase(out, c); });
  }
};

class StripAccents final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    if (unicode::is_ascii(text)) return;
    rewrite_code_points(text, [](char32_t c, std::string& out) {
      if (!unicode::is_mark(c)) unicode::append_utf8(out, c);
    });
  }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}

  void normalize(std::string& text) const override {
    size_t begin = 0;
    if (left_) {
      while (begin < text.size()) {
        size_t next = begin;
        if (!unicode::is_whitespace(unicode::next_code_point(text, next))) break;
        begin = next;
      }
    }
    size_t end = text.size();
    if (right_) {
      end = begin;
      size_t pos = begin;
      while (pos < text.size()) {
        if (!unicode::is_whitespace(unicode::next_code_point(text, pos))) end = pos;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_;
  bool right_;
};

class ReplaceString final : public Normalizer {
 public:
  ReplaceString(std::string pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}

  void normalize(std::string& text) const override {
    if (pattern_.empty()) return;
    size_t found = text.find(pattern_);
    if (found == std::string::npos) return;
    std::string out;
    out.reserve(text.size());
    size_t copied = 0;
    for (; found != std::string::npos; found = text.find(pattern_, copied)) {
      out.append(text, copied, found - copied);
      out.append(content_);
      copied = found + pattern_.size();
    }
    out.append(text, copied);
    text = std::move(out);
  }

 private:
  std::string pattern_;
  std::string content_;
};

// PCRE2 in UTF mode matches code points, so classes such as [^\x00-\x7F] mean characters, not
// bytes, and with UCP \s, \w and \d are Unicode's, as in the Oniguruma engine of Hugging Face
// tokenizers. Unlike libstdc++'s std::regex, which recurses once per character of a match and
// overflowed the stack on a run of some 25,000 matching characters, PCRE2 backtracks on the
// heap within limits: a text that exceeds them gets a ufb::Error, never a crash.
class ReplaceRegex final : public Normalizer {
 public:
  ReplaceRegex(std::string_view pattern, std::string content)
      : pattern_(pattern), regex_(compile(pattern)), content_(std::move(content)) {}

  void normalize(std::string& text) const override {
    const std::unique_ptr<pcre2_match_data, MatchDataFree> match_data(
        pcre2_match_data_create_from_pattern(regex_.get(), nullptr));
    if (!match_data) throw std::bad_alloc();
    std::string out(text.size() + content_.size() + 16, '\0');
    for (int attempt = 0; attempt < 2; ++attempt) {
      PCRE2_SIZE out_length = out.size();
      const int replaced = pcre2_substitute(
          regex_.get(), as_pcre(text), text.size(), 0,
          PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_LITERAL | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
          match_data.get(), nullptr, as_pcre(content_), content_.size(),
          reinterpret_cast<PCRE2_UCHAR*>(out.data()), &out_length);
      if (replaced == PCRE2_ERROR_NOMEMORY && attempt == 0) {
        out.resize(out_length);  // the length the whole result needs
        continue;
      }
      if (replaced < 0) {
        throw Error("regex \"" + pattern_ + "\" cannot be matched against the text (" +
                    error_message(replaced) + ")");
      }
      if (replaced == 0) return;
      out.resize(out_length);
      text = std::move(out);
      return;
    }
  }

 private:
  struct CodeFree {
    void operator()(pcre2_code* code) const { pcre2_code_free(code); }
  };
  struct MatchDataFree {
    void operator()(pcre2_match_data* data) const { pcre2_match_data_free(data); }
  };

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
  std::string content_;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

class NormalizerSequence final : public Normalizer {
 public:
  explicit NormalizerSequence(std::vector<std::unique_ptr<Normalizer>> normalizers)
      : normalizers_(std::move(normalizers)) {}
  void normalize(std::string& text) const override {
    for (const auto& normalizer : normalizers_) normalizer->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> normalizers_;
};

}  // namespace

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
  return std::make_unique<ReplaceString>(std::move(pattern), std::move(content));
}
std::unique_ptr<Normalizer> make_replace_regex(std::string_view pattern, std::string content) {
  return std::make_unique<ReplaceRegex>(pattern, std::move(content));
}
std::unique_ptr<Normalizer> make_prepend(std::string prefix) {
  return std::make_unique<Prepend>(std::move(prefix));
}
std::unique_ptr<Normalizer> make_normalizer_sequence(
    std::vector<std::unique_ptr<Normalizer>> normalizers) {
  return std::make_unique<NormalizerSequence>(std::move(normalizers));
}

}  // namespace ufb::tokenizer

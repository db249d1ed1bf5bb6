#include "ufb/tokenizer/normalizer.h"

// GCC 12 with -fsanitize reports -Wmaybe-uninitialized inside libstdc++'s regex compiler.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <regex>
#pragma GCC diagnostic pop
#else
#include <regex>
#endif
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
          const bool kept_control = c == '\t' || c == '\n' || c == '\r';
          if (c == 0 || c == 0xFFFD || (!kept_control && unicode::is_other(c))) return;
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

// Matches on code points (wchar_t holds a whole code point on the platforms we build for), so
// classes such as [^\x00-\x7F] mean characters, not bytes.
class ReplaceRegex final : public Normalizer {
 public:
  ReplaceRegex(std::string_view pattern, std::string content)
      : regex_(compile(pattern)), content_(std::move(content)) {}

  void normalize(std::string& text) const override {
    const std::wstring wide = to_wide(text);
    std::string out;
    auto copied = wide.cbegin();
    bool matched = false;
    for (std::wsregex_iterator match(wide.begin(), wide.end(), regex_), end; match != end;
         ++match) {
      matched = true;
      append_utf8(out, copied, (*match)[0].first);
      out.append(content_);
      copied = (*match)[0].second;
    }
    if (!matched) return;
    append_utf8(out, copied, wide.cend());
    text = std::move(out);
  }

 private:
  static_assert(sizeof(wchar_t) == sizeof(char32_t), "wchar_t must hold a whole code point");

  static std::wstring to_wide(std::string_view text) {
    std::wstring wide;
    wide.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size())
      wide.push_back(static_cast<wchar_t>(unicode::next_code_point(text, pos)));
    return wide;
  }

  static std::wregex compile(std::string_view pattern) {
    try {
      return std::wregex(to_wide(pattern), std::regex_constants::ECMAScript);
    } catch (const std::regex_error& error) {
      throw Error("regex \"" + std::string(pattern) +
                  "\" does not compile as an ECMAScript regex (" + error.what() + ")");
    }
  }

  static void append_utf8(std::string& out, std::wstring::const_iterator begin,
                          std::wstring::const_iterator end) {
    for (; begin != end; ++begin) unicode::append_utf8(out, static_cast<char32_t>(*begin));
  }

  std::wregex regex_;
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

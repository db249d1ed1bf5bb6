#include "ufb/tokenizer/pre_tokenizer.h"

#include <algorithm>
#include <utility>

#include "tokenizer/unicode.h"

namespace ufb::tokenizer {
namespace {

struct Span {
  size_t begin;
  size_t end;
  bool is_delimiter;
};

// Splits `text` into delimiter characters (each its own span) and the runs between them, then
// applies `behavior` the way tokenizers' NormalizedString::split does.
template <typename IsDelimiter>
void split_on(std::string_view text, IsDelimiter is_delimiter, SplitBehavior behavior,
              std::vector<std::string_view>& words) {
  std::vector<Span> spans;
  size_t run_begin = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t begin = pos;
    if (!is_delimiter(unicode::next_code_point(text, pos))) continue;
    if (run_begin < begin) spans.push_back({run_begin, begin, false});
    spans.push_back({begin, pos, true});
    run_begin = pos;
  }
  if (run_begin < text.size()) spans.push_back({run_begin, text.size(), false});

  std::vector<Span> merged;
  merged.reserve(spans.size());
  switch (behavior) {
    case SplitBehavior::kRemoved:
    case SplitBehavior::kIsolated:
      merged = std::move(spans);
      break;
    case SplitBehavior::kContiguous:
      for (const Span& span : spans) {
        if (!merged.empty() && merged.back().is_delimiter == span.is_delimiter) {
          merged.back().end = span.end;
        } else {
          merged.push_back(span);
        }
      }
      break;
    case SplitBehavior::kMergedWithPrevious:
      for (const Span& span : spans) {
        if (span.is_delimiter && !merged.empty() && !merged.back().is_delimiter) {
          merged.back() = {merged.back().begin, span.end, true};
        } else {
          merged.push_back(span);
        }
      }
      break;
    case SplitBehavior::kMergedWithNext:
      for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
        if (it->is_delimiter && !merged.empty() && !merged.back().is_delimiter) {
          merged.back() = {it->begin, merged.back().end, true};
        } else {
          merged.push_back(*it);
        }
      }
      std::reverse(merged.begin(), merged.end());
      break;
  }
  for (const Span& span : merged) {
    if (behavior == SplitBehavior::kRemoved && span.is_delimiter) continue;
    words.push_back(text.substr(span.begin, span.end - span.begin));
  }
}

class BertPreTokenizer final : public PreTokenizer {
 public:
  void split(std::string_view text, std::vector<std::string_view>& words) const override {
    std::vector<std::string_view> chunks;
    split_on(text, unicode::is_whitespace, SplitBehavior::kRemoved, chunks);
    for (const std::string_view chunk : chunks) {
      split_on(chunk, unicode::is_punctuation, SplitBehavior::kIsolated, words);
    }
  }
};

class WhitespacePreTokenizer final : public PreTokenizer {
 public:
  void split(std::string_view text, std::vector<std::string_view>& words) const override {
    enum class Kind { kWord, kSpace, kOther };
    const auto kind_of = [](char32_t c) {
      return unicode::is_word(c)         ? Kind::kWord
             : unicode::is_whitespace(c) ? Kind::kSpace
                                         : Kind::kOther;
    };
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t begin = pos;
      const Kind kind = kind_of(unicode::next_code_point(text, pos));
      size_t end = pos;
      while (pos < text.size() && kind_of(unicode::next_code_point(text, pos)) == kind) end = pos;
      pos = end;
      if (kind != Kind::kSpace) words.push_back(text.substr(begin, end - begin));
    }
  }
};

class WhitespaceSplitPreTokenizer final : public PreTokenizer {
 public:
  void split(std::string_view text, std::vector<std::string_view>& words) const override {
    split_on(text, unicode::is_whitespace, SplitBehavior::kRemoved, words);
  }
};

class PunctuationPreTokenizer final : public PreTokenizer {
 public:
  explicit PunctuationPreTokenizer(SplitBehavior behavior) : behavior_(behavior) {}
  void split(std::string_view text, std::vector<std::string_view>& words) const override {
    split_on(text, unicode::is_punctuation, behavior_, words);
  }

 private:
  SplitBehavior behavior_;
};

class PreTokenizerSequence final : public PreTokenizer {
 public:
  explicit PreTokenizerSequence(std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers)
      : pre_tokenizers_(std::move(pre_tokenizers)) {}

  void split(std::string_view text, std::vector<std::string_view>& words) const override {
    std::vector<std::string_view> current{text};
    std::vector<std::string_view> next;
    for (const auto& pre_tokenizer : pre_tokenizers_) {
      next.clear();
      for (const std::string_view word : current) pre_tokenizer->split(word, next);
      std::swap(current, next);
    }
    for (const std::string_view word : current) {
      if (!word.empty()) words.push_back(word);
    }
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer() {
  return std::make_unique<BertPreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer() {
  return std::make_unique<WhitespacePreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return std::make_unique<WhitespaceSplitPreTokenizer>();
}
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(SplitBehavior behavior) {
  return std::make_unique<PunctuationPreTokenizer>(behavior);
}
std::unique_ptr<PreTokenizer> make_pre_tokenizer_sequence(
    std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers) {
  return std::make_unique<PreTokenizerSequence>(std::move(pre_tokenizers));
}

}  // namespace ufb::tokenizer

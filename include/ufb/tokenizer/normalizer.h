#pragma once

// Normalizers rewrite a text before it is split into words, as the `normalizer` section of a
// Hugging Face tokenizer.json describes, keeping track of where each character came from as
// tokenizers does (normalized_text.h).

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/tokenizer/normalized_text.h"

namespace ufb::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Rewrites `text` (valid UTF-8) in place, alignments included.
  virtual void normalize(NormalizedText& text) const = 0;
  // The normalized form of `text` (valid UTF-8), when its alignments do not matter.
  std::string normalized(std::string_view text) const;
};

struct BertNormalizerOptions {
  bool clean_text = true;             // drop control characters, map whitespace to ' '
  bool handle_chinese_chars = true;   // surround CJK ideographs with spaces
  std::optional<bool> strip_accents;  // unset: follows `lowercase`
  bool lowercase = true;
};

enum class NormalForm { kNFD, kNFC, kNFKD, kNFKC };

std::unique_ptr<Normalizer> make_bert_normalizer(const BertNormalizerOptions& options);
std::unique_ptr<Normalizer> make_unicode_normalizer(NormalForm form);
std::unique_ptr<Normalizer> make_lowercase();
// Drops combining marks (Mn, Mc, Me); meant to follow NFD or NFKD.
std::unique_ptr<Normalizer> make_strip_accents();
// Removes leading and/or trailing whitespace.
std::unique_ptr<Normalizer> make_strip(bool left, bool right);
// Replaces every non-overlapping occurrence of `pattern`, left to right.
std::unique_ptr<Normalizer> make_replace_string(std::string pattern, std::string content);
// Replaces every match of the Perl-compatible regular expression `pattern` (PCRE2, matched on
// code points, Unicode classes) by `content` taken literally. Throws ufb::Error when the pattern
// does not compile, and from normalize() when a text exceeds the matcher's backtracking limits.
std::unique_ptr<Normalizer> make_replace_regex(std::string_view pattern, std::string content);
// Puts `prefix` in front of a non-empty text.
std::unique_ptr<Normalizer> make_prepend(std::string prefix);
std::unique_ptr<Normalizer> make_normalizer_sequence(
    std::vector<std::unique_ptr<Normalizer>> normalizers);

}  // namespace ufb::tokenizer

#include "tokenizer/normal_form.h"

#include <utf8proc.h>

#include <algorithm>
#include <cstdint>
#include <optional>

#include "tokenizer/unicode.h"

namespace ufb::tokenizer::unicode {
namespace {

int combining_class(char32_t c) {
  if (c < 0x80 || !is_normalization_known(c)) return 0;
  return utf8proc_get_property(static_cast<utf8proc_int32_t>(c))->combining_class;
}

// The primary composite of `starter` and `next`, if any.
std::optional<char32_t> compose(char32_t starter, char32_t next) {
  // No composition has an ASCII second character.
  if (next < 0x80 || !is_normalization_known(starter) || !is_normalization_known(next)) {
    return std::nullopt;
  }
  utf8proc_int32_t pair[2] = {static_cast<utf8proc_int32_t>(starter),
                              static_cast<utf8proc_int32_t>(next)};
  const utf8proc_ssize_t length = utf8proc_normalize_utf32(
      pair, 2, static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_STABLE));
  if (length != 1) return std::nullopt;
  return static_cast<char32_t>(pair[0]);
}

// The crate's Decompositions: each input character decomposed (the first character of its
// decomposition replaces it, the others are inserted), then every run of non-starters stably
// sorted by combining class, the changes moving with their characters.
std::vector<CharChange> decompose(std::string_view text, bool compatible) {
  struct Classified {
    CharChange change;
    int combining_class;
  };
  std::vector<Classified> out;
  out.reserve(text.size() + text.size() / 4);
  size_t unsorted = 0;  // out[unsorted..] may still need canonical ordering
  const auto sort_unsorted = [&] {
    std::stable_sort(out.begin() + static_cast<std::ptrdiff_t>(unsorted), out.end(),
                     [](const Classified& a, const Classified& b) {
                       return a.combining_class < b.combining_class;
                     });
    unsorted = out.size();
  };
  const auto push = [&](char32_t c, int change) {
    const int combining = combining_class(c);
    if (combining == 0) sort_unsorted();
    out.push_back({{c, change}, combining});
  };
  const auto options =
      static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | (compatible ? UTF8PROC_COMPAT : 0));
  utf8proc_int32_t decomposition[32];  // Unicode's longest decomposition has 18 code points
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t c = next_code_point(text, pos);
    if (c < 0x80 || !is_normalization_known(c)) {
      push(c, 0);
      continue;
    }
    const utf8proc_ssize_t length = utf8proc_decompose_char(
        static_cast<utf8proc_int32_t>(c), decomposition, 32, options, nullptr);
    for (utf8proc_ssize_t i = 0; i < length; ++i) {
      push(static_cast<char32_t>(decomposition[i]), i == 0 ? 0 : 1);
    }
  }
  sort_unsorted();
  std::vector<CharChange> changes;
  changes.reserve(out.size());
  for (const Classified& classified : out) changes.push_back(classified.change);
  return changes;
}

// The crate's Recompositions: a starter absorbs each following character it composes with and
// that no character between them blocks; a composite replaces the starter's input character and
// absorbs those of what it took in (its change sums theirs, less one each).
std::vector<CharChange> recompose(const std::vector<CharChange>& decomposed) {
  std::vector<CharChange> out;
  out.reserve(decomposed.size());
  std::vector<CharChange> blocked;  // non-starters after the starter that it did not absorb
  std::optional<CharChange> starter;
  int last_class = -1;  // class of the last character in `blocked`; -1 while it is empty
  for (const CharChange& next : decomposed) {
    const int next_class = combining_class(next.c);
    if (!starter) {
      if (next_class == 0) {
        starter = next;
      } else {
        out.push_back(next);
      }
      continue;
    }
    const bool is_blocked = last_class >= 0 && last_class >= next_class;
    if (!is_blocked) {
      if (const std::optional<char32_t> composite = compose(starter->c, next.c)) {
        starter = CharChange{*composite, starter->change + next.change - 1};
        continue;
      }
    }
    if (next_class == 0) {
      out.push_back(*starter);
      out.insert(out.end(), blocked.begin(), blocked.end());
      blocked.clear();
      last_class = -1;
      starter = next;
      continue;
    }
    blocked.push_back(next);
    last_class = next_class;
  }
  if (starter) out.push_back(*starter);
  out.insert(out.end(), blocked.begin(), blocked.end());
  return out;
}

}  // namespace

std::vector<CharChange> normal_form(std::string_view text, NormalForm form) {
  const bool compatible = form == NormalForm::kNFKD || form == NormalForm::kNFKC;
  std::vector<CharChange> decomposed = decompose(text, compatible);
  if (form == NormalForm::kNFD || form == NormalForm::kNFKD) return decomposed;
  return recompose(decomposed);
}

}  // namespace ufb::tokenizer::unicode

#include "tokenizer/unicode.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "ufb/error.h"

namespace ufb::tokenizer::unicode {
namespace {

struct CodePointRange {
  char32_t first;
  char32_t last;
};

struct LowercaseRun {
  char32_t first;
  char32_t last;
  char32_t stride;
  int32_t delta;
};

struct SpecialLowercase {
  char32_t code_point;
  const char* utf8;
};

#include "tokenizer/unicode_tables.inc"

// The last element of sorted `table` whose `first` is at most c, or nullptr.
template <typename Entry>
constexpr const Entry* entry_at_or_before(std::span<const Entry> table, char32_t c) {
  const auto after = std::upper_bound(
      table.begin(), table.end(), c,
      [](char32_t value, const Entry& entry) { return value < entry.first; });
  return after == table.begin() ? nullptr : &*std::prev(after);
}

// Membership in a generated table. Nearly every character of typical text is ASCII, so ASCII is
// answered from a bitmap built from the same table at compile time.
class CodePointSet {
 public:
  template <size_t N>
  constexpr explicit CodePointSet(const CodePointRange (&ranges)[N]) : ranges_(ranges) {
    for (const CodePointRange& range : ranges_) {
      for (char32_t c = range.first; c <= range.last && c < 0x80; ++c) {
        ascii_[c / 64] |= uint64_t{1} << (c % 64);
      }
    }
  }

  constexpr bool contains(char32_t c) const {
    if (c < 0x80) return (ascii_[c / 64] >> (c % 64)) & 1;
    const CodePointRange* range = entry_at_or_before(ranges_, c);
    return range != nullptr && c <= range->last;
  }

 private:
  std::span<const CodePointRange> ranges_;
  std::array<uint64_t, 2> ascii_{};
};

constexpr CodePointSet kWhitespace(kWhitespaceRanges);
constexpr CodePointSet kPunctuation(kPunctuationRanges);
constexpr CodePointSet kWord(kWordRanges);
constexpr CodePointSet kControl(kControlRanges);
constexpr CodePointSet kChinese(kChineseRanges);
constexpr CodePointSet kNonspacingMark(kNonspacingMarkRanges);
constexpr CodePointSet kMark(kMarkRanges);
constexpr CodePointSet kNormalizationKnown(kNormalizationKnownRanges);

// The single code point c lowercases to when it is not one of kSpecialLowercases.
class LowercaseTable {
 public:
  constexpr LowercaseTable() {
    for (char32_t c = 0; c < 0x80; ++c) ascii_[c] = static_cast<char>(map(c));
  }

  constexpr char ascii(char32_t c) const { return ascii_[c]; }

  static constexpr char32_t map(char32_t c) {
    const LowercaseRun* run = entry_at_or_before(std::span<const LowercaseRun>(kLowercaseRuns), c);
    if (run == nullptr || c > run->last || (c - run->first) % run->stride != 0) return c;
    return static_cast<char32_t>(static_cast<int32_t>(c) + run->delta);
  }

 private:
  std::array<char, 0x80> ascii_{};
};

constexpr LowercaseTable kLowercase;

}  // namespace

void check_utf8(std::string_view text, std::string_view what) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t pos = 0;
  while (pos < text.size()) {
    if (bytes[pos] < 0x80) {
      ++pos;
      continue;
    }
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(
        bytes + pos, static_cast<utf8proc_ssize_t>(text.size() - pos), &code_point);
    if (length <= 0) {
      throw Error(std::string(what) + ": invalid UTF-8 at byte offset " + std::to_string(pos) +
                  " (expected a complete UTF-8 sequence of a Unicode scalar value)");
    }
    pos += static_cast<size_t>(length);
  }
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
    return;
  }
  utf8proc_uint8_t buffer[4];
  const utf8proc_ssize_t length = utf8proc_encode_char(static_cast<utf8proc_int32_t>(c), buffer);
  out.append(reinterpret_cast<const char*>(buffer), static_cast<size_t>(length));
}

size_t count_code_points(std::string_view text) {
  size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

bool is_whitespace(char32_t c) { return kWhitespace.contains(c); }
bool is_punctuation(char32_t c) { return kPunctuation.contains(c); }
bool is_word(char32_t c) { return kWord.contains(c); }
bool is_control(char32_t c) { return kControl.contains(c); }
bool is_chinese(char32_t c) { return kChinese.contains(c); }
bool is_nonspacing_mark(char32_t c) { return kNonspacingMark.contains(c); }
bool is_mark(char32_t c) { return kMark.contains(c); }
bool is_normalization_known(char32_t c) { return kNormalizationKnown.contains(c); }

void append_lowercase(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(kLowercase.ascii(c));
    return;
  }
  for (const SpecialLowercase& special : kSpecialLowercases) {
    if (special.code_point == c) {
      out.append(special.utf8);
      return;
    }
  }
  append_utf8(out, LowercaseTable::map(c));
}

}  // namespace ufb::tokenizer::unicode

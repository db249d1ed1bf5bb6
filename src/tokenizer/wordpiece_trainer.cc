#include "ufb/tokenizer/wordpiece_trainer.h"

#include <algorithm>
#include <map>

#include "ufb/error.h"
#include "unicode.h"

namespace ufb::tokenizer {
namespace {

using Pair = uint64_t;  // (left id << 32) | right id: ordered as tokenizers orders (left, right)

Pair make_pair(uint32_t left, uint32_t right) { return (uint64_t{left} << 32) | right; }
uint32_t left_of(Pair pair) { return static_cast<uint32_t>(pair >> 32); }
uint32_t right_of(Pair pair) { return static_cast<uint32_t>(pair); }

// A candidate merge. `words` are the words where the pair was (last) formed; its count may be
// stale, in which case it is refreshed and queued again when it reaches the top.
struct Merge {
  Pair pair = 0;
  int64_t count = 0;
  std::vector<uint32_t> words;
};

// tokenizers' order: the higher count first, then the smaller pair.
struct MergeOrder {
  bool operator()(const Merge& a, const Merge& b) const {
    return a.count != b.count ? a.count < b.count : a.pair > b.pair;
  }
};

class Vocabulary {
 public:
  uint32_t add(const std::string& token) {
    const auto [it, inserted] = ids_.try_emplace(token, static_cast<uint32_t>(tokens_.size()));
    if (inserted) tokens_.push_back(token);
    return it->second;
  }
  uint32_t id(const std::string& token) const { return ids_.at(token); }
  bool contains(const std::string& token) const { return ids_.contains(token); }
  const std::string& token(uint32_t id) const { return tokens_[id]; }
  size_t size() const { return tokens_.size(); }
  std::vector<std::string> release() { return std::move(tokens_); }

 private:
  std::unordered_map<std::string, uint32_t> ids_;
  std::vector<std::string> tokens_;
};

// The characters of `word`, each as its UTF-8 bytes.
std::vector<std::string> characters(std::string_view word) {
  std::vector<std::string> result;
  for (size_t pos = 0; pos < word.size();) {
    const size_t length = unicode::utf8_length(static_cast<unsigned char>(word[pos]));
    result.emplace_back(word.substr(pos, length));
    pos += length;
  }
  return result;
}

class BpeMerger {
 public:
  BpeMerger(const std::unordered_map<std::string, uint64_t>& word_counts, const WordPieceTrainerOptions& options)
      : options_(options) {
    for (const std::string& token : options.special_tokens) vocabulary_.add(token);
    // Words in a fixed order, so that every run numbers them (and breaks no ties) alike.
    std::vector<std::pair<std::string_view, uint64_t>> sorted(word_counts.begin(), word_counts.end());
    std::sort(sorted.begin(), sorted.end());
    add_alphabet(sorted);
    split_words(sorted);
  }

  std::vector<std::string> train() {
    count_pairs();
    while (vocabulary_.size() < options_.vocab_size && !queue_.empty()) {
      std::pop_heap(queue_.begin(), queue_.end(), MergeOrder());
      Merge top = std::move(queue_.back());
      queue_.pop_back();
      if (top.count != pair_counts_[top.pair]) {
        top.count = pair_counts_[top.pair];
        push(std::move(top));
        continue;
      }
      if (top.count < 1 || options_.min_frequency > static_cast<uint64_t>(top.count)) break;
      apply(top);
    }
    return vocabulary_.release();
  }

 private:
  void add_alphabet(const std::vector<std::pair<std::string_view, uint64_t>>& words) {
    std::map<std::string, uint64_t> alphabet;  // sorted by bytes, which for UTF-8 is by code point
    for (const auto& [word, count] : words) {
      for (std::string& c : characters(word)) alphabet[std::move(c)] += count;
    }
    std::vector<std::pair<std::string, uint64_t>> kept(alphabet.begin(), alphabet.end());
    if (options_.limit_alphabet && kept.size() > *options_.limit_alphabet) {
      std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      kept.resize(*options_.limit_alphabet);
      std::sort(kept.begin(), kept.end());
    }
    for (const auto& [c, count] : kept) vocabulary_.add(c);
    // Continuation characters next, in code point order too.
    std::map<std::string, bool> continuations;
    for (const auto& [word, count] : words) {
      const std::vector<std::string> chars = characters(word);
      for (size_t i = 1; i < chars.size(); ++i) {
        if (vocabulary_.contains(chars[i])) continuations[options_.continuing_subword_prefix + chars[i]] = true;
      }
    }
    for (const auto& [token, unused] : continuations) vocabulary_.add(token);
  }

  // Each word as the ids of its characters; characters outside the alphabet are dropped, as
  // tokenizers drops them.
  void split_words(const std::vector<std::pair<std::string_view, uint64_t>>& words) {
    for (const auto& [word, count] : words) {
      std::vector<uint32_t> symbols;
      const std::vector<std::string> chars = characters(word);
      for (size_t i = 0; i < chars.size(); ++i) {
        if (!vocabulary_.contains(chars[i])) continue;
        symbols.push_back(vocabulary_.id(i == 0 ? chars[i] : options_.continuing_subword_prefix + chars[i]));
      }
      words_.push_back(std::move(symbols));
      word_counts_.push_back(static_cast<int64_t>(count));
    }
  }

  void count_pairs() {
    std::unordered_map<Pair, std::vector<uint32_t>> where;
    for (uint32_t w = 0; w < words_.size(); ++w) {
      const std::vector<uint32_t>& symbols = words_[w];
      for (size_t i = 0; i + 1 < symbols.size(); ++i) {
        const Pair pair = make_pair(symbols[i], symbols[i + 1]);
        pair_counts_[pair] += word_counts_[w];
        std::vector<uint32_t>& positions = where[pair];
        if (positions.empty() || positions.back() != w) positions.push_back(w);
      }
    }
    enqueue(where);
  }

  void push(Merge merge) {
    queue_.push_back(std::move(merge));
    std::push_heap(queue_.begin(), queue_.end(), MergeOrder());
  }

  void enqueue(std::unordered_map<Pair, std::vector<uint32_t>>& where) {
    for (auto& [pair, positions] : where) {
      const int64_t count = pair_counts_[pair];
      if (count > 0) push(Merge{pair, count, std::move(positions)});
    }
  }

  // The token of a merge: the left piece and the right piece without its continuation prefix.
  uint32_t merged_token(Pair pair) {
    std::string right = vocabulary_.token(right_of(pair));
    if (right.starts_with(options_.continuing_subword_prefix)) right.erase(0, options_.continuing_subword_prefix.size());
    return vocabulary_.add(vocabulary_.token(left_of(pair)) + right);
  }

  void apply(const Merge& merge) {
    const uint32_t replacement = merged_token(merge.pair);
    std::unordered_map<Pair, std::vector<uint32_t>> formed;
    for (uint32_t w : merge.words) {
      for (const auto& [pair, change] : merge_in_word(words_[w], merge.pair, replacement)) {
        pair_counts_[pair] += change * word_counts_[w];
        if (change > 0) {
          std::vector<uint32_t>& positions = formed[pair];
          if (positions.empty() || positions.back() != w) positions.push_back(w);
        }
      }
    }
    enqueue(formed);
  }

  // Replaces each occurrence of `pair` in `symbols`, left to right, and lists how the counts of
  // the neighbouring pairs change (tokenizers' Word::merge).
  static std::vector<std::pair<Pair, int>> merge_in_word(std::vector<uint32_t>& symbols, Pair pair,
                                                          uint32_t replacement) {
    std::vector<std::pair<Pair, int>> changes;
    const uint32_t first = left_of(pair), second = right_of(pair);
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      if (symbols[i] != first || symbols[i + 1] != second) continue;
      if (i > 0) {
        changes.emplace_back(make_pair(symbols[i - 1], first), -1);
        changes.emplace_back(make_pair(symbols[i - 1], replacement), 1);
      }
      symbols[i] = replacement;
      symbols.erase(symbols.begin() + static_cast<std::ptrdiff_t>(i) + 1);
      if (i + 1 < symbols.size()) {
        changes.emplace_back(make_pair(second, symbols[i + 1]), -1);
        changes.emplace_back(make_pair(replacement, symbols[i + 1]), 1);
      }
    }
    return changes;
  }

  const WordPieceTrainerOptions& options_;
  Vocabulary vocabulary_;
  std::vector<std::vector<uint32_t>> words_;
  std::vector<int64_t> word_counts_;
  std::unordered_map<Pair, int64_t> pair_counts_;
  std::vector<Merge> queue_;  // a heap in MergeOrder
};

}  // namespace

void WordCounter::add_text(std::string_view text, std::string_view source) {
  unicode::check_utf8(text, source);
  const std::string normalized = normalizer_ ? normalizer_->normalized(text) : std::string(text);
  words_.clear();
  if (pre_tokenizer_) {
    pre_tokenizer_->split(normalized, words_);
  } else if (!normalized.empty()) {
    words_.push_back(normalized);
  }
  for (std::string_view word : words_) {
    const auto found = counts_.find(std::string(word));
    if (found != counts_.end()) {
      ++found->second;
    } else {
      counts_.emplace(word, 1);
    }
  }
}

void WordCounter::merge(const WordCounter& other) {
  for (const auto& [word, count] : other.counts_) counts_[word] += count;
}

std::vector<std::string> train_wordpiece(const std::unordered_map<std::string, uint64_t>& word_counts,
                                         const WordPieceTrainerOptions& options) {
  if (options.vocab_size < options.special_tokens.size()) {
    throw Error("vocabulary size " + std::to_string(options.vocab_size) + " cannot hold the " +
                std::to_string(options.special_tokens.size()) + " special tokens");
  }
  return BpeMerger(word_counts, options).train();
}

}  // namespace ufb::tokenizer

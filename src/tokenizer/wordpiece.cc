#include "ufb/tokenizer/wordpiece.h"

#include <fstream>

#include "tokenizer/unicode.h"
#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

// Bounds the id-indexed table a malformed file could otherwise make us allocate.
constexpr int32_t kMaxId = 1 << 24;

}  // namespace

WordPiece::WordPiece(std::vector<std::pair<std::string, int32_t>> vocab, WordPieceOptions options,
                     std::string_view source)
    : options_(std::move(options)) {
  ids_.reserve(vocab.size());
  std::vector<bool> taken;
  for (auto& [token, id] : vocab) {
    if (id < 0) {
      throw Error(std::string(source) + ": token \"" + token + "\" has id " + std::to_string(id) +
                  " (expected a non-negative id)");
    }
    if (id >= kMaxId) {
      throw Error(std::string(source) + ": token \"" + token + "\" has id " + std::to_string(id) +
                  " (expected an id below " + std::to_string(kMaxId) + ")");
    }
    const auto index = static_cast<size_t>(id);
    if (index >= tokens_by_id_.size()) {
      tokens_by_id_.resize(index + 1);
      taken.resize(index + 1);
    }
    if (taken[index]) {
      throw Error(std::string(source) + ": tokens \"" + tokens_by_id_[index] + "\" and \"" + token +
                  "\" share id " + std::to_string(id) + " (expected distinct ids)");
    }
    taken[index] = true;
    tokens_by_id_[index] = token;
    // A repeated token keeps its last id, as in tokenizers (both ids still decode to it).
    ids_.insert_or_assign(std::move(token), id);
  }
  const auto unk = find(options_.unk_token);
  if (!unk) {
    throw Error(std::string(source) + ": unk_token \"" + options_.unk_token +
                "\" is not in the vocabulary of " + std::to_string(ids_.size()) + " tokens");
  }
  unk_id_ = *unk;
}

std::vector<std::pair<std::string, int32_t>> WordPiece::read_vocab_file(
    const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path.string() + ": cannot open the vocabulary file");
  std::vector<std::pair<std::string, int32_t>> vocab;
  std::string line;
  while (std::getline(file, line)) {
    const std::string where = path.string() + " line " + std::to_string(vocab.size() + 1);
    unicode::check_utf8(line, where);
    // Like tokenizers' WordPiece::read_file, trailing (ASCII) whitespace is not part of a token.
    size_t end = line.size();
    while (end > 0 && static_cast<unsigned char>(line[end - 1]) < 0x80 &&
           unicode::is_whitespace(static_cast<unsigned char>(line[end - 1]))) {
      --end;
    }
    line.resize(end);
    vocab.emplace_back(line, static_cast<int32_t>(vocab.size()));
  }
  if (vocab.empty()) throw Error(path.string() + ": the vocabulary file is empty");
  return vocab;
}

std::optional<int32_t> WordPiece::find(std::string_view token) const {
  const auto it = ids_.find(token);
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

void WordPiece::tokenize(std::string_view word, Encoding& out) const {
  const size_t first_piece = out.ids.size();
  const auto emit_unknown = [&] {
    out.ids.resize(first_piece);
    out.tokens.resize(first_piece);
    out.offsets.resize(first_piece);
    out.ids.push_back(unk_id_);
    out.tokens.push_back(options_.unk_token);
    out.offsets.emplace_back(0, word.size());
  };
  if (unicode::count_code_points(word) > options_.max_input_chars_per_word) {
    emit_unknown();
    return;
  }
  std::string candidate;
  size_t start = 0;
  while (start < word.size()) {
    size_t end = word.size();
    std::optional<int32_t> piece_id;
    while (start < end) {
      candidate.clear();
      if (start > 0) candidate = options_.continuing_subword_prefix;
      candidate.append(word.substr(start, end - start));
      piece_id = find(candidate);
      if (piece_id) break;
      do {
        --end;  // back off one whole code point
      } while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
    }
    if (!piece_id) {
      emit_unknown();
      return;
    }
    out.ids.push_back(*piece_id);
    out.tokens.push_back(candidate);
    out.offsets.emplace_back(start, end);
    start = end;
  }
}

std::optional<int32_t> WordPiece::token_to_id(std::string_view token) const { return find(token); }

std::string_view WordPiece::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tokens_by_id_.size()) return {};
  return tokens_by_id_[static_cast<size_t>(id)];
}

}  // namespace ufb::tokenizer

#include "ufb/tokenizer/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

#include "tokenizer/tokenizer_json.h"
#include "tokenizer/unicode.h"
#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error(path.string() + ": cannot open the tokenizer file");
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

// "mask" for [MASK], <mask>, [mask]: the role a special token's name spells.
std::string role_of(std::string_view content) {
  if (content.size() >= 2 && ((content.front() == '[' && content.back() == ']') ||
                              (content.front() == '<' && content.back() == '>'))) {
    content = content.substr(1, content.size() - 2);
  }
  std::string role(content);
  std::transform(role.begin(), role.end(), role.begin(), [](unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  });
  return role;
}

WordPiece take_model(std::optional<WordPiece>& model) {
  if (!model) throw Error("tokenizer: no model (expected a WordPiece model)");
  return std::move(*model);
}

}  // namespace

Tokenizer::Tokenizer(TokenizerParts parts)
    : normalizer_(std::move(parts.normalizer)),
      pre_tokenizer_(std::move(parts.pre_tokenizer)),
      model_(take_model(parts.model)),
      added_vocabulary_(std::move(parts.added_tokens), normalizer_.get()),
      post_processor_(parts.post_processor ? std::move(*parts.post_processor)
                                           : PostProcessor::plain()),
      truncation_(std::move(parts.truncation)),
      padding_(std::move(parts.padding)) {}

Tokenizer Tokenizer::from_file(const std::filesystem::path& path) {
  if (std::filesystem::is_directory(path)) {
    if (std::filesystem::exists(path / "tokenizer.json")) return from_file(path / "tokenizer.json");
    if (std::filesystem::exists(path / "vocab.txt")) return from_vocab_file(path / "vocab.txt");
    throw Error(path.string() + ": no tokenizer.json or vocab.txt in this directory");
  }
  if (path.extension() == ".txt") return from_vocab_file(path);
  return from_json(read_file(path), path.string());
}

Tokenizer Tokenizer::from_json(std::string_view json_text, std::string_view source) {
  return Tokenizer(parse_tokenizer_json(json_text, source));
}

Tokenizer Tokenizer::from_vocab_file(const std::filesystem::path& path) {
  // BERT's uncased tokenizer, as tokenizers' BertWordPieceTokenizer builds it.
  TokenizerParts parts;
  parts.model.emplace(WordPiece::read_vocab_file(path), WordPieceOptions{}, path.string());
  const WordPiece& model = *parts.model;
  for (const char* special : {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}) {
    if (const auto id = model.token_to_id(special)) {
      parts.added_tokens.push_back({.content = special, .id = *id, .special = true});
    }
  }
  const auto cls = model.token_to_id("[CLS]");
  const auto sep = model.token_to_id("[SEP]");
  if (!cls || !sep) {
    throw Error(path.string() +
                ": [CLS] or [SEP] is not in the vocabulary (expected BERT's "
                "special tokens in a vocab.txt)");
  }
  parts.post_processor = PostProcessor::bert("[CLS]", *cls, "[SEP]", *sep);
  parts.normalizer = make_bert_normalizer({});
  parts.pre_tokenizer = make_bert_pre_tokenizer();
  return Tokenizer(std::move(parts));
}

// Offsets: raw pieces and the words cut from them are views into `text` and into its normalized
// pieces, whose alignments lead back to `text`.
Encoding Tokenizer::encode_text(std::string_view text, std::string_view what) const {
  unicode::check_utf8(text, what);
  Encoding out;
  std::vector<TextPiece> raw_pieces;
  added_vocabulary_.split_raw(text, raw_pieces);
  std::vector<TextPiece> pieces;
  std::vector<std::string_view> words;
  const auto emit_added = [&out](const TextPiece& piece, ByteRange offsets) {
    out.ids.push_back(*piece.added_token_id);
    out.tokens.emplace_back(piece.text);
    out.offsets.push_back(offsets);
  };
  for (const TextPiece& raw : raw_pieces) {
    const auto raw_begin = static_cast<size_t>(raw.text.data() - text.data());
    if (raw.added_token_id) {
      emit_added(raw, {raw_begin, raw_begin + raw.text.size()});
      continue;
    }
    NormalizedText normalized(raw.text);
    if (normalizer_) normalizer_->normalize(normalized);
    const std::string_view normalized_text = normalized.text();
    // The original offsets of normalized bytes [begin, end) of this raw piece.
    const auto offsets_of = [&](size_t begin, size_t end) {
      const auto [start, stop] = normalized.original_range(begin, end);
      return ByteRange{raw_begin + start, raw_begin + stop};
    };
    pieces.clear();
    added_vocabulary_.split_normalized(normalized_text, pieces);
    for (const TextPiece& piece : pieces) {
      const auto piece_begin = static_cast<size_t>(piece.text.data() - normalized_text.data());
      if (piece.added_token_id) {
        emit_added(piece, offsets_of(piece_begin, piece_begin + piece.text.size()));
        continue;
      }
      words.clear();
      if (pre_tokenizer_) {
        pre_tokenizer_->split(piece.text, words);
      } else {
        words.push_back(piece.text);
      }
      for (const std::string_view word : words) {
        const auto word_begin = static_cast<size_t>(word.data() - normalized_text.data());
        const size_t first_token = out.size();
        model_.tokenize(word, out);
        for (size_t i = first_token; i < out.size(); ++i) {
          out.offsets[i] = offsets_of(word_begin + out.offsets[i].first,
                                      word_begin + out.offsets[i].second);
        }
      }
    }
  }
  return out;
}

Encoding Tokenizer::encode_unpadded(std::string_view first, const std::string_view* second,
                                    bool truncated) const {
  if (second == nullptr) return finish(encode_text(first, "tokenizer input"), nullptr, truncated);
  Encoding second_encoding = encode_text(*second, "tokenizer input (second text)");
  return finish(encode_text(first, "tokenizer input (first text)"), &second_encoding, truncated);
}

Encoding Tokenizer::finish(Encoding first, Encoding* second, bool truncated) const {
  if (truncation_ && truncated) {
    const size_t added = post_processor_.added_tokens(second != nullptr);
    if (truncation_->max_length < added) {
      throw Error("tokenizer: truncation max_length " + std::to_string(truncation_->max_length) +
                  " leaves no room for the " + std::to_string(added) +
                  " special tokens of the template (expected at least " + std::to_string(added) +
                  ")");
    }
    truncate(first, second, truncation_->max_length - added, *truncation_);
  }
  return post_processor_.apply(first, second);
}

void Tokenizer::pad_batch(std::vector<Encoding>& encodings) const {
  if (!padding_) return;
  size_t longest = 0;
  for (const Encoding& encoding : encodings) longest = std::max(longest, encoding.size());
  const size_t length = padded_length(longest, *padding_);
  for (Encoding& encoding : encodings) pad(encoding, length, *padding_);
}

Encoding Tokenizer::padded_alone(Encoding encoding) const {
  std::vector<Encoding> batch;
  batch.push_back(std::move(encoding));
  pad_batch(batch);
  return std::move(batch.front());
}

Encoding Tokenizer::encode(std::string_view text) const { return padded_alone(encode_unpadded(text, nullptr)); }

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second) const {
  return padded_alone(encode_unpadded(first, &second));
}

Encoding Tokenizer::encode_untruncated(std::string_view text) const {
  return padded_alone(encode_unpadded(text, nullptr, false));
}

Encoding Tokenizer::encode_pair_untruncated(std::string_view first, std::string_view second) const {
  return padded_alone(encode_unpadded(first, &second, false));
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const std::string_view> texts) const {
  std::vector<Encoding> encodings;
  encodings.reserve(texts.size());
  for (const std::string_view text : texts) encodings.push_back(encode_unpadded(text, nullptr));
  pad_batch(encodings);
  return encodings;
}

std::vector<Encoding> Tokenizer::encode_pair_batch(
    std::span<const std::pair<std::string_view, std::string_view>> pairs) const {
  std::vector<Encoding> encodings;
  encodings.reserve(pairs.size());
  for (const auto& [first, second] : pairs) encodings.push_back(encode_unpadded(first, &second));
  pad_batch(encodings);
  return encodings;
}

void Tokenizer::set_truncation(std::optional<TruncationOptions> options) {
  truncation_ = std::move(options);
}

void Tokenizer::set_padding(std::optional<PaddingOptions> options) {
  padding_ = std::move(options);
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto id = added_vocabulary_.token_to_id(token)) return id;
  return model_.token_to_id(token);
}

std::string_view Tokenizer::id_to_token(int32_t id) const {
  if (const AddedToken* token = added_vocabulary_.find_by_id(id)) return token->content;
  return model_.id_to_token(id);
}

std::optional<int32_t> Tokenizer::special_token_named(std::string_view role) const {
  for (const AddedToken& token : added_vocabulary_.tokens()) {
    if (token.special && role_of(token.content) == role) return token.id;
  }
  return std::nullopt;
}

std::optional<int32_t> Tokenizer::mask_token_id() const { return special_token_named("mask"); }

int32_t Tokenizer::pad_token_id() const {
  if (padding_) return padding_->pad_id;
  if (const auto id = special_token_named("pad")) return *id;
  throw Error(
      "tokenizer: no padding token (expected a padding section or a special token "
      "such as [PAD] or <pad>)");
}

size_t Tokenizer::vocab_size() const {
  size_t limit = model_.id_limit();
  for (const AddedToken& token : added_vocabulary_.tokens()) {
    limit = std::max(limit, static_cast<size_t>(token.id) + 1);
  }
  return limit;
}

Encoding Tokenizer::encode_without_special_tokens(std::string_view text) const {
  return encode_text(text, "tokenizer input");
}

bool Tokenizer::is_special_token(int32_t id) const {
  const AddedToken* token = added_vocabulary_.find_by_id(id);
  return token != nullptr && token->special;
}

namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
  const std::string& prefix = model_.options().continuing_subword_prefix;
  std::string text;
  bool first = true;
  for (const int32_t id : ids) {
    if (skip_special_tokens && is_special_token(id)) continue;
    std::string_view token = id_to_token(id);
    if (token.empty()) continue;
    const bool continuation = !prefix.empty() && token.substr(0, prefix.size()) == prefix;
    if (continuation && !first) {
      token.remove_prefix(prefix.size());
    } else if (!first) {
      text += ' ';
    }
    text += token;
    first = false;
  }
  // tokenizers' decoders::wordpiece cleanup.
  for (const auto& [from, to] : {std::pair<std::string_view, std::string_view>{" .", "."}, {" ?", "?"}, {" !", "!"},
                                 {" ,", ","}, {" ' ", "'"}, {" n't", "n't"}, {" 'm", "'m"}, {" do not", " don't"},
                                 {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}}) {
    replace_all(text, from, to);
  }
  return text;
}

}  // namespace ufb::tokenizer

#pragma once

// The text-to-ids front end of a model: reads a Hugging Face tokenizer.json (or a bare BERT
// vocab.txt) and encodes texts and text pairs exactly as the `tokenizers` library does:
// added tokens, normalizer, pre-tokenizer, WordPiece, post-processor, truncation, padding.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ufb/tokenizer/added_vocabulary.h"
#include "ufb/tokenizer/encoding.h"
#include "ufb/tokenizer/normalizer.h"
#include "ufb/tokenizer/padding.h"
#include "ufb/tokenizer/post_processor.h"
#include "ufb/tokenizer/pre_tokenizer.h"
#include "ufb/tokenizer/truncation.h"
#include "ufb/tokenizer/wordpiece.h"

namespace ufb::tokenizer {

// Everything a tokenizer is made of; null normalizer / pre-tokenizer mean none.
struct TokenizerParts {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::optional<WordPiece> model;  // required
  std::vector<AddedToken> added_tokens;
  std::optional<PostProcessor> post_processor;  // unset: $A / $A $B:1
  std::optional<TruncationOptions> truncation;
  std::optional<PaddingOptions> padding;
};

// Immutable once configured: encode* may run on several threads at once.
class Tokenizer {
 public:
  explicit Tokenizer(TokenizerParts parts);

  // A tokenizer.json, a vocab.txt (BERT uncased), or a model directory holding one of them
  // (tokenizer.json preferred). Throws ufb::Error naming the file and the offending key.
  static Tokenizer from_file(const std::filesystem::path& path);
  // The text of a tokenizer.json; `source` names it in error messages.
  static Tokenizer from_json(std::string_view json_text, std::string_view source);
  // BERT's uncased WordPiece tokenizer on a one-token-per-line vocabulary.
  static Tokenizer from_vocab_file(const std::filesystem::path& path);

  // With special tokens, truncation and padding as configured. Throws ufb::Error on invalid
  // UTF-8 (naming the byte offset) and where truncation cannot or may not apply.
  Encoding encode(std::string_view text) const;
  Encoding encode_pair(std::string_view first, std::string_view second) const;
  // Padding without a fixed length pads to the longest encoding of the batch.
  std::vector<Encoding> encode_batch(std::span<const std::string_view> texts) const;
  std::vector<Encoding> encode_pair_batch(
      std::span<const std::pair<std::string_view, std::string_view>> pairs) const;

  // encode / encode_pair with truncation off, whatever is configured: for callers that refuse an
  // over-long input rather than cut it.
  Encoding encode_untruncated(std::string_view text) const;
  Encoding encode_pair_untruncated(std::string_view first, std::string_view second) const;

  // The model's tokens of `text` alone: no special tokens, no truncation, no padding.
  Encoding encode_without_special_tokens(std::string_view text) const;

  // Text of `ids` as the WordPiece decoder of `tokenizers` gives it (with cleanup): tokens joined
  // by spaces, continuation pieces glued to the token before, spaces before punctuation and
  // English contractions removed. Ids that name nothing decode to nothing.
  std::string decode(std::span<const int32_t> ids, bool skip_special_tokens) const;
  // Whether `id` is a special added token ([CLS], [SEP], [PAD], [MASK], ...).
  bool is_special_token(int32_t id) const;

  void set_truncation(std::optional<TruncationOptions> options);
  const std::optional<TruncationOptions>& truncation() const { return truncation_; }
  void set_padding(std::optional<PaddingOptions> options);
  const std::optional<PaddingOptions>& padding() const { return padding_; }

  // Added tokens first, then the WordPiece vocabulary.
  std::optional<int32_t> token_to_id(std::string_view token) const;
  // Empty for an id that names nothing.
  std::string_view id_to_token(int32_t id) const;
  // The special added token named mask ([MASK], <mask>), if any.
  std::optional<int32_t> mask_token_id() const;
  // The padding id if padding is configured, else the special added token named pad ([PAD],
  // <pad>). Throws ufb::Error when there is neither.
  int32_t pad_token_id() const;
  // One past the largest id (the rows an embedding table needs).
  size_t vocab_size() const;

 private:
  // Model output of one text: added tokens, normalizer, pre-tokenizer, WordPiece.
  Encoding encode_text(std::string_view text, std::string_view what) const;
  // Truncated (where configured and asked) and post-processed, not yet padded.
  Encoding encode_unpadded(std::string_view first, const std::string_view* second, bool truncated = true) const;
  Encoding finish(Encoding first, Encoding* second, bool truncated) const;
  void pad_batch(std::vector<Encoding>& encodings) const;
  // One encoding padded as a batch of its own.
  Encoding padded_alone(Encoding encoding) const;
  std::optional<int32_t> special_token_named(std::string_view role) const;

  std::unique_ptr<Normalizer> normalizer_;
  std::unique_ptr<PreTokenizer> pre_tokenizer_;
  WordPiece model_;
  AddedVocabulary added_vocabulary_;
  PostProcessor post_processor_;
  std::optional<TruncationOptions> truncation_;
  std::optional<PaddingOptions> padding_;
};

}  // namespace ufb::tokenizer

#pragma once

// Writes a BERT-style WordPiece tokenizer as a Hugging Face tokenizer.json: the special tokens
// as added tokens, BertNormalizer, BertPreTokenizer, the WordPiece model, the
// "[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1" template and a WordPiece decoder. Both
// Tokenizer::from_json and the `tokenizers` library read it.

#include <string>
#include <vector>

#include "ufb/tokenizer/normalizer.h"

namespace ufb::tokenizer {

struct BertTokenizerDescription {
  std::vector<std::string> vocabulary;      // tokens in id order
  std::vector<std::string> special_tokens;  // each must be in the vocabulary
  BertNormalizerOptions normalizer;
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

// The tokenizer.json text. Throws ufb::Error when a special, unknown, CLS or SEP token is not
// in the vocabulary or the vocabulary repeats a token.
std::string bert_tokenizer_json(const BertTokenizerDescription& description);

}  // namespace ufb::tokenizer

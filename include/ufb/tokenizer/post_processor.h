#pragma once

// Adds the special tokens around one or two tokenized texts and assigns segment (type) ids, as a
// TemplateProcessing post-processor does ("[CLS] $A [SEP]" / "[CLS] $A [SEP] $B:1 [SEP]:1").
// BertProcessing and "no post-processor" are templates too.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ufb/tokenizer/encoding.h"

namespace ufb::tokenizer {

struct TemplatePiece {
  enum class Kind { kSequenceA, kSequenceB, kSpecialToken };
  Kind kind = Kind::kSequenceA;
  std::string special_token;  // key into the special tokens, for kSpecialToken
  int32_t type_id = 0;
};

// What one template special token expands to (usually one id).
struct TemplateSpecialToken {
  std::string name;
  std::vector<int32_t> ids;
  std::vector<std::string> tokens;
};

class PostProcessor {
 public:
  // Throws ufb::Error naming `source` when a template names an undefined special token, a
  // special token has different numbers of ids and tokens, or a template lacks $A (or $B).
  PostProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
                std::vector<TemplateSpecialToken> special_tokens, std::string_view source);

  // [CLS] $A [SEP] and [CLS] $A [SEP] $B:1 [SEP]:1.
  static PostProcessor bert(const std::string& cls, int32_t cls_id, const std::string& sep,
                            int32_t sep_id);
  // $A and $A $B:1: what tokenizers does without a post-processor.
  static PostProcessor plain();

  // How many special tokens the template adds.
  size_t added_tokens(bool pair) const { return pair ? added_pair_ : added_single_; }

  // Builds the final encoding from the model output of each text (ids, tokens and offsets).
  Encoding apply(const Encoding& a, const Encoding* b) const;

 private:
  const TemplateSpecialToken& special(const std::string& name) const;
  size_t count_added(const std::vector<TemplatePiece>& pieces) const;

  std::vector<TemplatePiece> single_;
  std::vector<TemplatePiece> pair_;
  std::vector<TemplateSpecialToken> special_tokens_;
  size_t added_single_ = 0;
  size_t added_pair_ = 0;
};

}  // namespace ufb::tokenizer

#include "ufb/tokenizer/post_processor.h"

#include <algorithm>
#include <utility>

#include "ufb/error.h"

namespace ufb::tokenizer {
namespace {

bool has_kind(const std::vector<TemplatePiece>& pieces, TemplatePiece::Kind kind) {
  return std::any_of(pieces.begin(), pieces.end(),
                     [kind](const TemplatePiece& piece) { return piece.kind == kind; });
}

TemplatePiece sequence(TemplatePiece::Kind kind, int32_t type_id) { return {kind, "", type_id}; }

TemplatePiece special_piece(const std::string& name, int32_t type_id) {
  return {TemplatePiece::Kind::kSpecialToken, name, type_id};
}

}  // namespace

PostProcessor::PostProcessor(std::vector<TemplatePiece> single, std::vector<TemplatePiece> pair,
                             std::vector<TemplateSpecialToken> special_tokens,
                             std::string_view source)
    : single_(std::move(single)),
      pair_(std::move(pair)),
      special_tokens_(std::move(special_tokens)) {
  const std::string where(source);
  for (const TemplateSpecialToken& token : special_tokens_) {
    if (token.ids.size() != token.tokens.size()) {
      throw Error(where + ": special token \"" + token.name + "\" has " +
                  std::to_string(token.ids.size()) + " ids but " +
                  std::to_string(token.tokens.size()) + " tokens (expected as many of each)");
    }
  }
  for (const auto* pieces : {&single_, &pair_}) {
    const char* name = pieces == &single_ ? "single" : "pair";
    for (const TemplatePiece& piece : *pieces) {
      if (piece.kind != TemplatePiece::Kind::kSpecialToken) continue;
      const bool defined = std::any_of(
          special_tokens_.begin(), special_tokens_.end(),
          [&](const TemplateSpecialToken& token) { return token.name == piece.special_token; });
      if (!defined) {
        throw Error(where + ": " + name + " template uses special token \"" + piece.special_token +
                    "\" (expected one defined in special_tokens)");
      }
    }
  }
  if (!has_kind(single_, TemplatePiece::Kind::kSequenceA)) {
    throw Error(where + ": single template has no $A (expected the sequence in it)");
  }
  if (!has_kind(pair_, TemplatePiece::Kind::kSequenceA) ||
      !has_kind(pair_, TemplatePiece::Kind::kSequenceB)) {
    throw Error(where + ": pair template lacks $A or $B (expected both sequences in it)");
  }
  added_single_ = count_added(single_);
  added_pair_ = count_added(pair_);
}

PostProcessor PostProcessor::bert(const std::string& cls, int32_t cls_id, const std::string& sep,
                                  int32_t sep_id) {
  using Kind = TemplatePiece::Kind;
  return PostProcessor(
      {special_piece(cls, 0), sequence(Kind::kSequenceA, 0), special_piece(sep, 0)},
      {special_piece(cls, 0), sequence(Kind::kSequenceA, 0), special_piece(sep, 0),
       sequence(Kind::kSequenceB, 1), special_piece(sep, 1)},
      {{cls, {cls_id}, {cls}}, {sep, {sep_id}, {sep}}}, "BertProcessing");
}

PostProcessor PostProcessor::plain() {
  using Kind = TemplatePiece::Kind;
  return PostProcessor({sequence(Kind::kSequenceA, 0)},
                       {sequence(Kind::kSequenceA, 0), sequence(Kind::kSequenceB, 1)}, {},
                       "default post-processor");
}

const TemplateSpecialToken& PostProcessor::special(const std::string& name) const {
  return *std::find_if(special_tokens_.begin(), special_tokens_.end(),
                       [&](const TemplateSpecialToken& token) { return token.name == name; });
}

size_t PostProcessor::count_added(const std::vector<TemplatePiece>& pieces) const {
  size_t count = 0;
  for (const TemplatePiece& piece : pieces) {
    if (piece.kind == TemplatePiece::Kind::kSpecialToken)
      count += special(piece.special_token).ids.size();
  }
  return count;
}

Encoding PostProcessor::apply(const Encoding& a, const Encoding* b) const {
  Encoding out;
  out.truncated = a.truncated || (b != nullptr && b->truncated);
  const auto append = [&out](int32_t id, const std::string& token, int32_t type_id,
                             std::pair<size_t, size_t> offsets) {
    out.ids.push_back(id);
    out.tokens.push_back(token);
    out.type_ids.push_back(type_id);
    out.offsets.push_back(offsets);
  };
  for (const TemplatePiece& piece : b != nullptr ? pair_ : single_) {
    if (piece.kind == TemplatePiece::Kind::kSpecialToken) {
      const TemplateSpecialToken& token = special(piece.special_token);
      for (size_t i = 0; i < token.ids.size(); ++i)
        append(token.ids[i], token.tokens[i], piece.type_id, {0, 0});
      continue;
    }
    const Encoding& text = piece.kind == TemplatePiece::Kind::kSequenceA ? a : *b;
    for (size_t i = 0; i < text.ids.size(); ++i) {
      append(text.ids[i], text.tokens[i], piece.type_id, text.offsets[i]);
    }
  }
  out.attention_mask.assign(out.ids.size(), 1);
  return out;
}

}  // namespace ufb::tokenizer

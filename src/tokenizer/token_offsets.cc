#include "ufb/tokenizer/token_offsets.h"

#include <cctype>
#include <string>

namespace ufb::tokenizer {

std::vector<TokenOffset> token_offsets(const Tokenizer& tokenizer, const Encoding& encoding, std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<TokenOffset> offsets;
  offsets.reserve(encoding.size());
  size_t cursor = 0;
  for (size_t i = 0; i < encoding.size(); ++i) {
    if (tokenizer.is_special_token(encoding.ids[i])) {
      offsets.emplace_back(std::pair<size_t, size_t>{0, 0});
      continue;
    }
    std::string piece = encoding.tokens[i];
    if (piece.rfind("##", 0) == 0 && piece.size() > 2) piece = piece.substr(2);
    for (char& c : piece) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const size_t at = lowered.find(piece, cursor);
    if (piece.empty() || at == std::string::npos) {
      offsets.emplace_back(std::nullopt);
      continue;
    }
    offsets.emplace_back(std::pair<size_t, size_t>{at, at + piece.size()});
    cursor = at + piece.size();
  }
  return offsets;
}

}  // namespace ufb::tokenizer

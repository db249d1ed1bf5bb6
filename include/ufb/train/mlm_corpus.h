#pragma once

// The masked-LM pretraining text: a folder of plain-text documents, cleaned, tokenized and
// concatenated (the tokenizer's template puts its separator after each document), cached on
// disk so that later runs skip the tokenizer.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ufb/tokenizer/tokenizer.h"

namespace ufb::train {

// The text without a UTF-8 byte-order mark, with LF line ends, and, where the Project Gutenberg
// markers are present, only what lies between the "*** START OF ..." and "*** END OF ..." lines.
std::string clean_document(std::string_view text);

struct TokenCorpus {
  std::vector<int32_t> tokens;
  int64_t documents = 0;
  bool from_cache = false;
};

// The tokens of every regular, non-hidden file of `data_dir`, in file-name order, each document
// encoded whole (no truncation). `cache_file` (a safetensors file) is read if its fingerprint —
// file names, sizes and modification times, the tokenizer file's bytes — matches, and written
// otherwise. `progress(done, total)` is called per document. Throws ufb::Error for a missing or
// empty folder or a document that is not valid UTF-8, naming it.
TokenCorpus load_token_corpus(const std::filesystem::path& data_dir,
                              const std::filesystem::path& tokenizer_file,
                              const std::filesystem::path& cache_file,
                              const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace ufb::train

#pragma once

// The masked-LM pretraining text: a folder of plain-text documents, cleaned, tokenized and
// concatenated (the tokenizer's template puts its separator after each document), cached on
// disk so that later runs skip the tokenizer.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ufb/tokenizer/tokenizer.h"

namespace ufb::train {

struct TokenCorpus {
  std::vector<int32_t> tokens;
  int64_t documents = 0;
  bool from_cache = false;
};

// Whether load_token_corpus may write its cache: in a data-parallel job only rank 0 writes.
enum class CacheWrite { allowed, forbidden };

// The tokens of every regular, non-hidden file under `data_dir`, in path order, each document
// cleaned (data::read_corpus_document: byte-order mark, CRLF, Project Gutenberg header and
// footer) and encoded whole (no truncation). `cache_file` (a safetensors file) is read if its
// fingerprint — file names, sizes and modification times, the tokenizer file's bytes — matches,
// and written otherwise when `cache_write` allows. `progress(done, total)` is called per
// document. Throws ufb::Error for a missing or empty folder or a document that is not valid
// UTF-8, naming it.
TokenCorpus load_token_corpus(const std::filesystem::path& data_dir,
                              const std::filesystem::path& tokenizer_file,
                              const std::filesystem::path& cache_file,
                              CacheWrite cache_write = CacheWrite::allowed,
                              const std::function<void(int64_t, int64_t)>& progress = {});

}  // namespace ufb::train

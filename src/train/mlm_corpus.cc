#include "train/mlm_corpus.h"

#include <algorithm>
#include <cstring>

#include "ufb/data/corpus.h"
#include "file_text.h"
#include "ufb/error.h"
#include "io/safetensors.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

constexpr const char* kFingerprintKey = "fingerprint";
constexpr const char* kDocumentsKey = "documents";

uint64_t fnv1a(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::string fingerprint(const std::vector<fs::path>& files, const fs::path& tokenizer_file) {
  std::string description;
  for (const fs::path& file : files) {
    description += file.filename().string() + ":" + std::to_string(fs::file_size(file)) + ":" +
                   std::to_string(fs::last_write_time(file).time_since_epoch().count()) + ";";
  }
  return std::to_string(fnv1a(description)) + "-" + std::to_string(fnv1a(read_file_text(tokenizer_file)));
}

bool read_cache(const fs::path& cache_file, const std::string& expected, TokenCorpus& corpus) {
  if (!fs::exists(cache_file)) return false;
  const io::SafetensorsFile file(cache_file);
  const auto found = file.metadata().find(kFingerprintKey);
  const io::RawTensor* tokens = file.find("tokens");
  if (found == file.metadata().end() || found->second != expected || tokens == nullptr ||
      tokens->dtype != io::DType::kI32 || !file.metadata().contains(kDocumentsKey)) {
    return false;
  }
  corpus.tokens.resize(tokens->bytes.size() / sizeof(int32_t));
  std::memcpy(corpus.tokens.data(), tokens->bytes.data(), tokens->bytes.size());
  corpus.documents = std::stoll(file.metadata().at(kDocumentsKey));
  corpus.from_cache = true;
  return true;
}

}  // namespace

TokenCorpus load_token_corpus(const fs::path& data_dir, const fs::path& tokenizer_file,
                              const fs::path& cache_file, CacheWrite cache_write,
                              const std::function<void(int64_t, int64_t)>& progress) {
  const std::vector<fs::path> files = data::list_corpus_files(std::vector<std::string>{data_dir.string()});
  const std::string expected = fingerprint(files, tokenizer_file);
  TokenCorpus corpus;
  if (read_cache(cache_file, expected, corpus)) return corpus;

  tokenizer::Tokenizer tokenizer = tokenizer::Tokenizer::from_file(tokenizer_file);
  tokenizer.set_truncation(std::nullopt);
  tokenizer.set_padding(std::nullopt);
  const auto count = static_cast<int64_t>(files.size());
  std::vector<std::vector<int32_t>> encoded(count);
  std::vector<std::string> errors(count);
  int64_t done = 0;
#pragma omp parallel for schedule(dynamic)
  for (int64_t i = 0; i < count; ++i) {
    try {
      encoded[i] = tokenizer.encode(data::read_corpus_document(files[i])).ids;
    } catch (const Error& error) {
      errors[i] = files[i].string() + ": " + error.what();
    }
#pragma omp critical
    if (progress) progress(++done, count);
  }
  for (const std::string& error : errors) {
    if (!error.empty()) throw Error(error);
  }
  for (const std::vector<int32_t>& document : encoded) {
    corpus.tokens.insert(corpus.tokens.end(), document.begin(), document.end());
  }
  corpus.documents = count;
  if (cache_write == CacheWrite::forbidden) return corpus;
  const std::vector<int64_t> shape = {static_cast<int64_t>(corpus.tokens.size())};
  const io::RawTensor tensor{"tokens", io::DType::kI32, shape,
                             std::as_bytes(std::span<const int32_t>(corpus.tokens))};
  io::write_safetensors(cache_file, std::span<const io::RawTensor>(&tensor, 1),
                        {{kFingerprintKey, expected}, {kDocumentsKey, std::to_string(count)}});
  return corpus;
}

}  // namespace ufb::train

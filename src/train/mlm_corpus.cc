#include "ufb/train/mlm_corpus.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "ufb/error.h"
#include "ufb/io/safetensors.h"

namespace ufb::train {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr const char* kFingerprintKey = "fingerprint";
constexpr const char* kDocumentsKey = "documents";

// A Gutenberg marker line: "*** START OF ..." or "***START OF ..." (`what` is START or END).
bool is_marker(std::string_view line, std::string_view what) {
  if (line.substr(0, 3) != "***") return false;
  line.remove_prefix(3);
  while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
  return line.substr(0, what.size()) == what && line.substr(what.size(), 3) == " OF";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path.string());
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

uint64_t fnv1a(std::string_view bytes, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

std::vector<fs::path> documents_in(const fs::path& data_dir) {
  if (!fs::is_directory(data_dir)) throw Error("--data: " + data_dir.string() + " is not a folder");
  std::vector<fs::path> files;
  for (const fs::directory_entry& entry : fs::directory_iterator(data_dir)) {
    if (entry.is_regular_file() && entry.path().filename().string().front() != '.') {
      files.push_back(entry.path());
    }
  }
  if (files.empty()) throw Error("--data: " + data_dir.string() + " holds no text files");
  std::sort(files.begin(), files.end());
  return files;
}

std::string fingerprint(const std::vector<fs::path>& files, const fs::path& tokenizer_file) {
  std::string description;
  for (const fs::path& file : files) {
    description += file.filename().string() + ":" + std::to_string(fs::file_size(file)) + ":" +
                   std::to_string(fs::last_write_time(file).time_since_epoch().count()) + ";";
  }
  return std::to_string(fnv1a(description)) + "-" + std::to_string(fnv1a(read_file(tokenizer_file)));
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

std::string clean_document(std::string_view text) {
  if (text.substr(0, kBom.size()) == kBom) text.remove_prefix(kBom.size());
  std::vector<std::string_view> lines;
  size_t start_line = 0;
  size_t end_line = std::string_view::npos;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (is_marker(line, "START")) start_line = lines.size() + 1;
    if (is_marker(line, "END") && end_line == std::string_view::npos) end_line = lines.size();
    lines.push_back(line);
  }
  if (end_line == std::string_view::npos || end_line < start_line) end_line = lines.size();
  std::string cleaned;
  for (size_t i = start_line; i < end_line; ++i) {
    cleaned += lines[i];
    cleaned += '\n';
  }
  return cleaned;
}

TokenCorpus load_token_corpus(const fs::path& data_dir, const fs::path& tokenizer_file,
                              const fs::path& cache_file,
                              const std::function<void(int64_t, int64_t)>& progress) {
  const std::vector<fs::path> files = documents_in(data_dir);
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
      encoded[i] = tokenizer.encode(clean_document(read_file(files[i]))).ids;
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
  const std::vector<int64_t> shape = {static_cast<int64_t>(corpus.tokens.size())};
  const io::RawTensor tensor{"tokens", io::DType::kI32, shape,
                             std::as_bytes(std::span<const int32_t>(corpus.tokens))};
  io::write_safetensors(cache_file, std::span<const io::RawTensor>(&tensor, 1),
                        {{kFingerprintKey, expected}, {kDocumentsKey, std::to_string(count)}});
  return corpus;
}

}  // namespace ufb::train

#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "ufb/io/raw_tensor.h"

namespace ufb::io::testing {

// tests/data/io/<relative>
std::filesystem::path fixture(const std::string& relative);

std::vector<std::byte> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes);
void write_text(const std::filesystem::path& path, const std::string& text);
std::vector<std::byte> to_bytes(std::string_view text);

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// The message of the ufb::Error that `action` throws; a test failure (and "") if it throws
// nothing or something else.
std::string error_message(const std::function<void()>& action);

// Gtest assertions that `actual` lists the tensors of `expected` in the same order, each with the
// same name, dtype, shape and bytes.
void expect_same_tensors(const std::vector<RawTensor>& actual,
                         const std::vector<RawTensor>& expected);

// A zip archive's records, name to bytes, in archive order.
using ZipRecords = std::vector<std::pair<std::string, std::vector<std::byte>>>;
ZipRecords read_zip(const std::filesystem::path& path);
// Writes records uncompressed, as torch.save does, unless `compress` is set.
void write_zip(const std::filesystem::path& path, const ZipRecords& records, bool compress = false);

}  // namespace ufb::io::testing

#include "io/io_test_util.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zip.h>

#include <atomic>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "ufb/error.h"

namespace ufb::io::testing {

std::filesystem::path fixture(const std::string& relative) {
  return std::filesystem::path(UFB_TEST_DATA_DIR) / "io" / relative;
}

std::vector<std::byte> read_bytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("test cannot read " + path.string());
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return to_bytes(text);
}

void write_bytes(const std::filesystem::path& path, const std::vector<std::byte>& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error("test cannot write " + path.string());
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  write_bytes(path, to_bytes(text));
}

std::vector<std::byte> to_bytes(std::string_view text) {
  const auto* begin = reinterpret_cast<const std::byte*>(text.data());
  return {begin, begin + text.size()};
}

TempDir::TempDir() {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          ("ufb-io-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string error_message(const std::function<void()>& action) {
  try {
    action();
  } catch (const ufb::Error& error) {
    return error.what();
  } catch (const std::exception& other) {
    ADD_FAILURE() << "expected ufb::Error, got another exception: " << other.what();
    return "";
  }
  ADD_FAILURE() << "expected ufb::Error, nothing was thrown";
  return "";
}

ZipRecords read_zip(const std::filesystem::path& path) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_RDONLY, &error);
  if (archive == nullptr) throw std::runtime_error("test cannot open zip " + path.string());
  ZipRecords records;
  const zip_int64_t count = zip_get_num_entries(archive, 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    zip_stat_index(archive, static_cast<zip_uint64_t>(i), 0, &stat);
    std::vector<std::byte> bytes(stat.size);
    zip_file_t* entry = zip_fopen_index(archive, static_cast<zip_uint64_t>(i), 0);
    if (!bytes.empty()) zip_fread(entry, bytes.data(), bytes.size());
    zip_fclose(entry);
    records.emplace_back(stat.name, std::move(bytes));
  }
  zip_discard(archive);
  return records;
}

void write_zip(const std::filesystem::path& path, const ZipRecords& records, bool compress) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  if (archive == nullptr) throw std::runtime_error("test cannot create zip " + path.string());
  for (const auto& [name, bytes] : records) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
    zip_set_file_compression(archive, static_cast<zip_uint64_t>(index),
                             compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
  }
  if (zip_close(archive) != 0) throw std::runtime_error("test cannot write zip " + path.string());
}

void expect_same_tensors(const std::vector<RawTensor>& actual,
                         const std::vector<RawTensor>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const RawTensor& tensor = actual[i];
    EXPECT_EQ(tensor.name, expected[i].name);
    EXPECT_EQ(tensor.dtype, expected[i].dtype) << tensor.name;
    EXPECT_EQ(tensor.shape, expected[i].shape) << tensor.name;
    ASSERT_EQ(tensor.bytes.size(), expected[i].bytes.size()) << tensor.name;
    EXPECT_EQ(std::memcmp(tensor.bytes.data(), expected[i].bytes.data(), tensor.bytes.size()), 0)
        << tensor.name;
  }
}

}  // namespace ufb::io::testing

#pragma once

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace ufb {

// Writes a file so that readers see either the old file or the whole new one, never a
// half-written one: the bytes go to a hidden temporary file in the same directory, which
// commit() flushes to disk and renames over the destination. Without commit() (an exception
// on the way, say) the temporary file is removed and the destination left as it was. Failures
// throw ufb::Error naming the destination.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(const std::filesystem::path& destination);
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;
  ~AtomicFileWriter();

  void write(std::span<const std::byte> bytes);
  void commit();

 private:
  [[noreturn]] void fail(const std::string& what) const;

  std::filesystem::path destination_;
  std::string temporary_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// The whole of `contents`, written through an AtomicFileWriter.
void write_file_atomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace ufb

#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace ufb::io {

// A whole file mapped read-only into memory, unmapped when destroyed. Move-only.
class MappedFile {
 public:
  // Throws ufb::Error naming the path if the file cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }

  // Lets the kernel drop the pages that lie wholly inside `range` (a part of bytes()) from this
  // process's memory, once their contents live elsewhere (a kernel's packed copy). The bytes
  // stay readable: touching them again maps them back from the file.
  void release_pages(std::span<const std::byte> range) const noexcept;

 private:
  void release() noexcept;

  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace ufb::io

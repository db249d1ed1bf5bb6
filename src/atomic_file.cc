#include "ufb/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "ufb/error.h"

namespace ufb {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::string& what, const std::filesystem::path& path) {
  throw Error("cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  std::string pattern = path.string() + ".tmp-XXXXXX";
  FileDescriptor file(::mkstemp(pattern.data()));
  const std::filesystem::path temporary = pattern;
  if (file.get() < 0) fail("create a temporary file next to", path);
  try {
    for (size_t written = 0; written < contents.size();) {
      const ssize_t n = ::write(file.get(), contents.data() + written, contents.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail("write", temporary);
      written += static_cast<size_t>(n);
    }
    if (::fchmod(file.get(), 0644) != 0) fail("set permissions of", temporary);
    if (::fsync(file.get()) != 0) fail("flush", temporary);
    if (::close(file.release()) != 0) fail("close", temporary);
    if (::rename(temporary.c_str(), path.c_str()) != 0) fail("rename " + temporary.string() + " to", path);
  } catch (...) {
    ::unlink(temporary.c_str());
    throw;
  }
}

}  // namespace ufb

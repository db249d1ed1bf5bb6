#include "ufb/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "ufb/error.h"

namespace ufb {

AtomicFileWriter::AtomicFileWriter(const std::filesystem::path& destination) : destination_(destination) {
  std::string name = destination.filename().string();
  name.insert(0, 1, '.');  // hidden, and built in place: GCC 12 warns falsely on "." + name
  name += ".tmp-XXXXXX";
  std::string pattern = (destination.parent_path() / name).string();
  fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd_ < 0) fail("cannot create a temporary file beside it");
  temporary_path_ = pattern;
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !temporary_path_.empty()) ::unlink(temporary_path_.c_str());
}

void AtomicFileWriter::write(std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) fail("cannot write");
    bytes = bytes.subspan(static_cast<size_t>(written));
  }
}

void AtomicFileWriter::commit() {
  // mkostemp creates the file readable by its owner only; a saved file gets the usual mode.
  if (::fchmod(fd_, 0644) != 0) fail("cannot set permissions");
  if (::fsync(fd_) != 0) fail("cannot flush to disk");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("cannot close");
  if (::rename(temporary_path_.c_str(), destination_.c_str()) != 0) fail("cannot rename into place");
  committed_ = true;
}

void AtomicFileWriter::fail(const std::string& what) const {
  throw Error(destination_.string() + ": " + what + ": " + std::strerror(errno));
}

void write_file_atomically(const std::filesystem::path& path, std::string_view contents) {
  AtomicFileWriter file(path);
  file.write(std::as_bytes(std::span(contents)));
  file.commit();
}

}  // namespace ufb

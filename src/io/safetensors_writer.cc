#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>

#include "ufb/error.h"
#include "ufb/io/safetensors.h"

namespace ufb::io {
namespace {

// A temporary file beside the destination, removed unless commit() renamed it into place.
class TemporaryFile {
 public:
  explicit TemporaryFile(const std::filesystem::path& destination) : destination_(destination) {
    std::string name = destination.filename().string();
    name.insert(0, 1, '.');  // hidden, and built in place: GCC 12 warns falsely on "." + name
    name += ".tmp-XXXXXX";
    std::string pattern = (destination.parent_path() / name).string();
    fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
    if (fd_ < 0) fail("cannot create a temporary file beside it");
    path_ = pattern;
  }
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) ::unlink(path_.c_str());
  }

  void write(std::span<const std::byte> bytes) {
    while (!bytes.empty()) {
      const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) continue;
      if (written <= 0) fail("cannot write");
      bytes = bytes.subspan(static_cast<std::size_t>(written));
    }
  }

  void commit() {
    if (::fsync(fd_) != 0) fail("cannot flush to disk");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("cannot close");
    if (::rename(path_.c_str(), destination_.c_str()) != 0) fail("cannot rename into place");
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(destination_.string() + ": " + what + ": " + std::strerror(errno));
  }

  std::filesystem::path destination_;
  std::string path_;
  int fd_ = -1;
  bool committed_ = false;
};

std::string build_header(const std::filesystem::path& path, std::span<const RawTensor> tensors,
                         const std::map<std::string, std::string>& metadata) {
  nlohmann::json header = nlohmann::json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::set<std::string_view> names;
  std::uint64_t offset = 0;
  for (const RawTensor& tensor : tensors) {
    const std::string where = path.string() + ": tensor " + printable(tensor.name);
    if (tensor.name == "__metadata__") throw Error(where + " uses the reserved name");
    if (!names.insert(tensor.name).second) throw Error(where + " is given twice");
    const std::uint64_t count =
        checked_element_count(tensor.shape, dtype_size_bytes(tensor.dtype), where);
    const std::uint64_t bytes = count * dtype_size_bytes(tensor.dtype);
    if (tensor.bytes.size() != bytes) {
      throw Error(where + " has " + std::to_string(tensor.bytes.size()) + " bytes, shape " +
                  format_shape(tensor.shape) + " of " + std::string(dtype_name(tensor.dtype)) +
                  " needs " + std::to_string(bytes));
    }
    header[tensor.name] = {{"dtype", dtype_name(tensor.dtype)},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const nlohmann::json::exception& error) {
    throw Error(path.string() + ": cannot write the header: " + error.what());
  }
  // Padding the header to 8 bytes keeps the data section, and so every F32 tensor, aligned.
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}

}  // namespace

void write_safetensors(const std::filesystem::path& path, std::span<const RawTensor> tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string header = build_header(path, tensors, metadata);
  std::byte length_field[8];
  for (int i = 0; i < 8; ++i) {
    length_field[i] = static_cast<std::byte>((header.size() >> (8 * i)) & 0xffu);
  }
  TemporaryFile file(path);
  file.write(length_field);
  file.write(std::as_bytes(std::span(header)));
  for (const RawTensor& tensor : tensors) file.write(tensor.bytes);
  file.commit();
}

}  // namespace ufb::io

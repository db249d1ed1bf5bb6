#include "io/pytorch_bin.h"

#include <zip.h>

#include <memory>
#include <optional>
#include <span>
#include <utility>

#include "ufb/error.h"
#include "io/torch_pickle.h"

namespace ufb::io {
namespace {

// data.pkl of a state dict is a few bytes per tensor; anything this large is not one.
constexpr std::uint64_t kMaxPickleBytes = 64u << 20;

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct EntryCloser {
  void operator()(zip_file_t* entry) const { zip_fclose(entry); }
};

using ZipArchive = std::unique_ptr<zip_t, ArchiveCloser>;

std::string not_a_zip(const std::string& reason) {
  return "is not a readable zip archive (torch.save has written zip archives since PyTorch 1.6): " +
         reason;
}

ZipArchive open_zip_file(const std::string& path) {
  int error_code = 0;
  ZipArchive archive(zip_open(path.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &error_code));
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, error_code);
    const std::string reason = zip_error_strerror(&error);
    zip_error_fini(&error);
    throw Error(path + ": " + not_a_zip(reason));
  }
  return archive;
}

ZipArchive open_zip_bytes(std::span<const std::byte> bytes, const std::string& source_name) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
  ZipArchive archive;
  if (source != nullptr) {
    archive.reset(zip_open_from_source(source, ZIP_RDONLY | ZIP_CHECKCONS, &error));
    // On failure the source is still ours to free; on success the archive owns it.
    if (!archive) zip_source_free(source);
  }
  const std::string reason = zip_error_strerror(&error);
  zip_error_fini(&error);
  if (!archive) throw Error(source_name + ": " + not_a_zip(reason));
  return archive;
}

class ZipReader {
 public:
  ZipReader(ZipArchive archive, const std::string& source)
      : source_(source), archive_(std::move(archive)) {}

  [[noreturn]] void fail(const std::string& what) const { throw Error(source_ + ": " + what); }

  // The folder holding data.pkl; torch names it after the file, older versions "archive".
  std::string record_prefix() const {
    std::optional<std::string> prefix;
    const zip_int64_t count = zip_get_num_entries(archive_.get(), 0);
    for (zip_int64_t i = 0; i < count; ++i) {
      const char* name = zip_get_name(archive_.get(), static_cast<zip_uint64_t>(i), 0);
      if (name == nullptr) continue;
      const std::string_view entry(name);
      const std::size_t slash = entry.find('/');
      if (slash == std::string_view::npos || entry.substr(slash + 1) != "data.pkl") continue;
      if (prefix) {
        fail("holds more than one data.pkl (" + printable(prefix->substr(0, prefix->size() - 1)) +
             ", " + printable(entry.substr(0, slash)) + ")");
      }
      prefix = std::string(entry.substr(0, slash + 1));
    }
    if (!prefix) fail("has no <folder>/data.pkl record, so it is not a torch.save archive");
    return *prefix;
  }

  bool contains(const std::string& name) const {
    return zip_name_locate(archive_.get(), name.c_str(), 0) >= 0;
  }

  // The whole record, which must be stored uncompressed: then its size is bounded by the file's
  // and a small archive cannot expand into a huge allocation.
  std::vector<std::byte> read(const std::string& name, std::uint64_t max_bytes) const {
    const zip_int64_t index = zip_name_locate(archive_.get(), name.c_str(), 0);
    if (index < 0) fail("has no record " + printable(name));
    zip_stat_t stat;
    zip_stat_init(&stat);
    if (zip_stat_index(archive_.get(), static_cast<zip_uint64_t>(index), 0, &stat) != 0 ||
        (stat.valid & ZIP_STAT_SIZE) == 0 || (stat.valid & ZIP_STAT_COMP_METHOD) == 0) {
      fail("cannot read the directory entry of " + printable(name));
    }
    if (stat.comp_method != ZIP_CM_STORE) {
      fail("record " + printable(name) + " is compressed (method " +
           std::to_string(stat.comp_method) + "); torch.save stores records uncompressed");
    }
    if (stat.size > max_bytes) {
      fail("record " + printable(name) + " is " + std::to_string(stat.size) +
           " bytes, more than the " + std::to_string(max_bytes) + " expected");
    }
    const std::unique_ptr<zip_file_t, EntryCloser> entry(
        zip_fopen_index(archive_.get(), static_cast<zip_uint64_t>(index), 0));
    if (!entry) fail("cannot open record " + printable(name) + ": " + zip_strerror(archive_.get()));
    std::vector<std::byte> bytes(static_cast<std::size_t>(stat.size));
    std::size_t filled = 0;
    while (filled < bytes.size()) {
      const zip_int64_t got = zip_fread(entry.get(), bytes.data() + filled, bytes.size() - filled);
      if (got <= 0) {
        fail("cannot read record " + printable(name) + ": " + zip_file_strerror(entry.get()));
      }
      filled += static_cast<std::size_t>(got);
    }
    return bytes;
  }

 private:
  const std::string& source_;
  ZipArchive archive_;
};

void check_contiguous(const PickledTensor& tensor, const std::string& where) {
  if (tensor.stride.size() != tensor.shape.size()) {
    throw Error(where + " has " + std::to_string(tensor.stride.size()) + " strides for shape " +
                format_shape(tensor.shape));
  }
  std::int64_t expected = 1;
  for (std::size_t i = tensor.shape.size(); i-- > 0;) {
    // A dimension of size 1 is never stepped over, so torch may give it any stride.
    if (tensor.shape[i] != 1 && tensor.stride[i] != expected) {
      throw Error(where + " is not contiguous (shape " + format_shape(tensor.shape) + ", strides " +
                  format_shape(tensor.stride) + "); save it after .contiguous()");
    }
    expected *= tensor.shape[i];  // cannot overflow: the element count was checked first
  }
}

// Reads the state dict of a torch.save archive: storage records into `storages`, one view per
// tensor into `tensors`.
void read_state_dict(const ZipReader& zip, const std::string& source_name,
                     std::map<std::string, std::vector<std::byte>>& storages,
                     std::vector<RawTensor>& tensors) {
  const std::string prefix = zip.record_prefix();
  if (zip.contains(prefix + "byteorder")) {
    const std::vector<std::byte> order = zip.read(prefix + "byteorder", 16);
    const std::string_view text(reinterpret_cast<const char*>(order.data()), order.size());
    if (text != "little") {
      zip.fail("has byte order \"" + printable(text) + "\", only \"little\" is supported");
    }
  }
  const std::vector<std::byte> pickle = zip.read(prefix + "data.pkl", kMaxPickleBytes);
  const std::vector<PickledTensor> pickled =
      read_state_dict_pickle(pickle, source_name + ": " + printable(prefix) + "data.pkl");

  struct StorageInfo {
    DType dtype;
    std::uint64_t elements;
  };
  std::map<std::string, StorageInfo> declared;
  for (const PickledTensor& tensor : pickled) {
    const std::string where = source_name + ": tensor " + printable(tensor.name);
    const std::string record = prefix + "data/" + tensor.storage_key;
    const std::size_t element_bytes = dtype_size_bytes(tensor.dtype);
    const auto [info, first_use] = declared.try_emplace(
        tensor.storage_key, StorageInfo{tensor.dtype, tensor.storage_elements});
    if (info->second.dtype != tensor.dtype || info->second.elements != tensor.storage_elements) {
      throw Error(where + " declares storage " + printable(tensor.storage_key) +
                  " with another type or size than an earlier tensor");
    }
    if (first_use) {
      const std::vector<std::int64_t> storage_shape{
          static_cast<std::int64_t>(tensor.storage_elements)};
      const std::uint64_t storage_bytes =
          checked_element_count(storage_shape, element_bytes, where) * element_bytes;
      std::vector<std::byte> bytes = zip.read(record, storage_bytes);
      if (bytes.size() != storage_bytes) {
        throw Error(where + ": record " + printable(record) + " is " +
                    std::to_string(bytes.size()) + " bytes, its storage declares " +
                    std::to_string(storage_bytes));
      }
      storages.emplace(tensor.storage_key, std::move(bytes));
    }
    const std::uint64_t count = checked_element_count(tensor.shape, element_bytes, where);
    check_contiguous(tensor, where);
    const auto offset = static_cast<std::uint64_t>(tensor.storage_offset);
    if (tensor.storage_offset < 0 || offset > tensor.storage_elements ||
        count > tensor.storage_elements - offset) {
      throw Error(where + " with shape " + format_shape(tensor.shape) + " at offset " +
                  std::to_string(tensor.storage_offset) + " runs past the end of its storage of " +
                  std::to_string(tensor.storage_elements) + " elements");
    }
    const std::span<const std::byte> storage = storages.at(tensor.storage_key);
    tensors.push_back(RawTensor{tensor.name, tensor.dtype, tensor.shape,
                                storage.subspan(offset * element_bytes, count * element_bytes)});
  }
}

}  // namespace

PytorchBinFile::PytorchBinFile(const std::filesystem::path& path) : source_name_(path.string()) {
  read_state_dict(ZipReader(open_zip_file(source_name_), source_name_), source_name_, storages_,
                  tensors_);
}

PytorchBinFile::PytorchBinFile(std::span<const std::byte> archive, std::string source_name)
    : source_name_(std::move(source_name)) {
  read_state_dict(ZipReader(open_zip_bytes(archive, source_name_), source_name_), source_name_,
                  storages_, tensors_);
}

}  // namespace ufb::io

// The records of a pytorch_model.bin, packed into a valid zip here: the input is data.pkl, then
// the storage records data/0, data/1, ..., separated by "|rec|". A mutated whole archive (the
// pytorch_bin target) rarely gets past libzip's CRC checks; this target reaches what lies behind
// them: storages against the pickle's declarations, offsets, strides and shapes. The reader must
// list tensors inside their storages or throw ufb::Error; accepted tensors are read in full.

#include <zip.h>

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fuzz_input.h"
#include "ufb/error.h"
#include "io/pytorch_bin.h"

namespace {

constexpr std::string_view kSeparator = "|rec|";

std::vector<std::pair<std::string, std::string_view>> split_records(std::string_view input) {
  std::vector<std::pair<std::string, std::string_view>> records;
  while (true) {
    const std::size_t end = input.find(kSeparator);
    const std::string name = records.empty() ? std::string("archive/data.pkl")
                                             : "archive/data/" + std::to_string(records.size() - 1);
    records.emplace_back(name, input.substr(0, end));
    if (end == std::string_view::npos) return records;
    input.remove_prefix(end + kSeparator.size());
  }
}

// Failures here are the harness's, not the reader's: they must crash, not pass as ufb::Error.
void check(bool ok, const char* what) {
  if (!ok) throw std::logic_error(std::string("fuzz harness: ") + what);
}

// An uncompressed zip of `records`, as torch.save writes it, built in memory.
std::vector<std::byte> zip_of(const std::vector<std::pair<std::string, std::string_view>>& records) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* buffer = zip_source_buffer_create(nullptr, 0, 0, &error);
  check(buffer != nullptr, "cannot create a buffer source");
  zip_source_keep(buffer);  // the archive frees its reference on close; we read the buffer after
  zip_t* archive = zip_open_from_source(buffer, ZIP_TRUNCATE, &error);
  check(archive != nullptr, "cannot open an archive on the buffer");
  for (const auto& [name, bytes] : records) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    check(source != nullptr, "cannot create a record source");
    const zip_int64_t index = zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE);
    check(index >= 0, "cannot add a record");
    check(zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0) == 0,
          "cannot store a record uncompressed");
  }
  check(zip_close(archive) == 0, "cannot write the archive");

  check(zip_source_open(buffer) == 0, "cannot reopen the buffer");
  check(zip_source_seek(buffer, 0, SEEK_END) == 0, "cannot seek the buffer");
  const zip_int64_t size = zip_source_tell(buffer);
  check(size >= 0 && zip_source_seek(buffer, 0, SEEK_SET) == 0, "cannot size the buffer");
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  check(zip_source_read(buffer, bytes.data(), bytes.size()) == size, "cannot read the buffer");
  zip_source_close(buffer);
  zip_source_free(buffer);
  zip_error_fini(&error);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::vector<std::byte> archive = zip_of(split_records(ufb::fuzz::as_text(data, size)));
  try {
    const ufb::io::PytorchBinFile file(archive, "fuzz.bin");
    std::vector<float> widened;
    for (const ufb::io::RawTensor& tensor : file.tensors()) {
      ufb::io::as_float32(tensor, widened, "fuzz.bin");
    }
  } catch (const ufb::Error&) {
  }
  return 0;
}

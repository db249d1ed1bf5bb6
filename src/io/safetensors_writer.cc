#include <nlohmann/json.hpp>
#include <set>

#include "ufb/atomic_file.h"
#include "ufb/error.h"
#include "io/safetensors.h"

namespace ufb::io {
namespace {

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
  AtomicFileWriter file(path);
  file.write(length_field);
  file.write(std::as_bytes(std::span(header)));
  for (const RawTensor& tensor : tensors) file.write(tensor.bytes);
  file.commit();
}

}  // namespace ufb::io

#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "io/mapped_file.h"
#include "ufb/io/raw_tensor.h"

namespace ufb::io {

// The tensors and metadata of a safetensors image.
struct SafetensorsContents {
  std::vector<RawTensor> tensors;  // in the order of their data in the image
  std::map<std::string, std::string> metadata;
};

// Validates a whole safetensors image held in memory, as SafetensorsFile validates a file; the
// tensors' bytes point into `image`. Throws ufb::Error naming `source_name` and the first problem.
SafetensorsContents parse_safetensors(std::span<const std::byte> image,
                                      const std::string& source_name);

// A memory-mapped .safetensors file, validated completely on open: the 8-byte header length
// against the file size, the JSON header (no duplicate names), every tensor's dtype, shape and
// data_offsets (inside the data section, matching shape × dtype size, no overflow), and that the
// tensors tile the data section exactly, without overlap, gap or trailing bytes, as the format's
// reference implementation requires. Tensor bytes point into the mapping.
class SafetensorsFile final : public TensorArchive {
 public:
  // Throws ufb::Error naming the path and the first problem found.
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::string& source_name() const override { return source_name_; }
  // In the order of their data in the file.
  const std::vector<RawTensor>& tensors() const override { return tensors_; }
  void release_pages(std::span<const std::byte> bytes) const override { file_.release_pages(bytes); }
  // The optional "__metadata__" string map of the header.
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::string source_name_;
  MappedFile file_;
  std::vector<RawTensor> tensors_;
  std::map<std::string, std::string> metadata_;
};

// A safetensors image held in memory (weights compiled into the program, say), validated as
// SafetensorsFile validates a file. The image is borrowed: it must outlive this archive.
class SafetensorsImage final : public TensorArchive {
 public:
  // Throws ufb::Error naming `source_name` and the first problem found.
  SafetensorsImage(std::span<const std::byte> image, std::string source_name);

  const std::string& source_name() const override { return source_name_; }
  const std::vector<RawTensor>& tensors() const override { return contents_.tensors; }
  const std::map<std::string, std::string>& metadata() const { return contents_.metadata; }

 private:
  std::string source_name_;
  SafetensorsContents contents_;
};

// Writes `tensors` (data in the order given) and `metadata` as a safetensors file. Writes a
// temporary file in the same directory, flushes it to disk and renames it over `path`, so a
// reader never sees a half-written file. Throws ufb::Error on duplicate or reserved names, a
// byte count that does not match shape × dtype, or an I/O failure.
void write_safetensors(const std::filesystem::path& path, std::span<const RawTensor> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace ufb::io

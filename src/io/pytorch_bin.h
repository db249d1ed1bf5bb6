#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "ufb/io/raw_tensor.h"

namespace ufb::io {

// A pytorch_model.bin as torch.save has written it since PyTorch 1.6: a zip archive with one
// top-level folder (named after the file, or "archive") holding data.pkl, the pickled state
// dict, and data/<key>, one raw little-endian record per storage. The pickle is read by the
// restricted unpickler of torch_pickle.h, so nothing in the file is ever executed. Storage
// records are read into memory (they must be stored uncompressed, as torch.save writes them);
// every tensor must be a contiguous view inside its storage.
class PytorchBinFile final : public TensorArchive {
 public:
  // Throws ufb::Error naming the path and the first problem found.
  explicit PytorchBinFile(const std::filesystem::path& path);
  // The same archive held in memory; `source_name` names it in error messages. The tensors are
  // copied out, so `archive` need not outlive the object.
  PytorchBinFile(std::span<const std::byte> archive, std::string source_name);

  const std::string& source_name() const override { return source_name_; }
  // In the order of the state dict.
  const std::vector<RawTensor>& tensors() const override { return tensors_; }

 private:
  std::string source_name_;
  std::map<std::string, std::vector<std::byte>> storages_;
  std::vector<RawTensor> tensors_;
};

}  // namespace ufb::io

#pragma once

#include <string>
#include <vector>

namespace ufb::cli {

// Every input's vectors, for one .npy file: [inputs, width] for one vector per input, or
// [inputs, longest, hidden] per token (zeros past each input's length, and the lengths in a
// second file: OUT with .npy replaced by .lengths.npy). In an MPI job each rank adds its shard
// and rank 0 writes all of them, in input order.
class EmbeddingFile {
 public:
  explicit EmbeddingFile(bool per_token) : per_token_(per_token) {}

  // One input's vectors: one row, or one per token.
  void add(std::vector<std::vector<float>> rows) { inputs_.push_back(std::move(rows)); }

  // Gathers the shards on rank 0, which writes the file(s) atomically.
  void write(const std::string& path);

 private:
  void gather();

  bool per_token_;
  std::vector<std::vector<std::vector<float>>> inputs_;
};

}  // namespace ufb::cli

#pragma once

// Where a command's per-input output goes, in input order, whichever process computed it. In a
// single process, text for stdout is printed at once; in an MPI job each rank keeps the output
// of its shard and rank 0 writes every part in rank order, which is input order because shards
// are contiguous (ModelSession::for_each_batch). A file is written atomically at the end.

#include <string>
#include <string_view>

#include "ufb/distributed/communicator.h"

namespace ufb::cli {

class ShardedText {
 public:
  // `out_path` empty: stdout.
  explicit ShardedText(std::string out_path = "");

  void write(std::string_view text);
  // Gathers the parts on rank 0 and writes them out; call once, after the last write().
  void finish();

 private:
  bool streams() const { return out_path_.empty() && world_.size() == 1; }

  const distributed::Communicator& world_;
  std::string out_path_;
  std::string buffered_;
};

}  // namespace ufb::cli

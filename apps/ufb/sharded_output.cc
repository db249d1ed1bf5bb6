#include "sharded_output.h"

#include <iostream>

#include "ufb/atomic_file.h"

namespace ufb::cli {

ShardedText::ShardedText(std::string out_path)
    : world_(distributed::Communicator::world()), out_path_(std::move(out_path)) {}

void ShardedText::write(std::string_view text) {
  if (streams()) {
    std::cout << text;
  } else {
    buffered_ += text;
  }
}

void ShardedText::finish() {
  if (streams()) {
    std::cout.flush();
    return;
  }
  const std::vector<std::byte> all = world_.gather_to_root(std::as_bytes(std::span(buffered_)));
  if (!world_.is_root()) return;
  const std::string_view text(reinterpret_cast<const char*>(all.data()), all.size());
  if (out_path_.empty()) {
    std::cout << text << std::flush;
  } else {
    write_file_atomically(out_path_, text);
  }
}

}  // namespace ufb::cli

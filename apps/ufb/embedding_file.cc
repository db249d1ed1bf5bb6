#include "embedding_file.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "ufb/distributed/communicator.h"
#include "ufb/io/npy.h"

namespace ufb::cli {
namespace {

template <typename T>
void append(std::vector<std::byte>& bytes, const T* values, size_t count) {
  const auto* begin = reinterpret_cast<const std::byte*>(values);
  bytes.insert(bytes.end(), begin, begin + count * sizeof(T));
}

template <typename T>
T take(const std::byte*& cursor) {
  T value;
  std::memcpy(&value, cursor, sizeof(T));
  cursor += sizeof(T);
  return value;
}

}  // namespace

void EmbeddingFile::gather() {
  const distributed::Communicator& world = distributed::Communicator::world();
  if (world.size() == 1) return;
  // Each input as [rows, width, values...], in this process's own byte order (one machine's
  // ranks, or a homogeneous cluster).
  std::vector<std::byte> bytes;
  for (const auto& rows : inputs_) {
    const int64_t header[2] = {static_cast<int64_t>(rows.size()),
                               rows.empty() ? 0 : static_cast<int64_t>(rows.front().size())};
    append(bytes, header, 2);
    for (const std::vector<float>& row : rows) append(bytes, row.data(), row.size());
  }
  const std::vector<std::byte> all = world.gather_to_root(bytes);
  inputs_.clear();
  for (const std::byte* cursor = all.data(); cursor < all.data() + all.size();) {
    const auto rows = take<int64_t>(cursor);
    const auto width = take<int64_t>(cursor);
    std::vector<std::vector<float>>& input = inputs_.emplace_back(rows, std::vector<float>(width));
    for (std::vector<float>& row : input) {
      std::memcpy(row.data(), cursor, row.size() * sizeof(float));
      cursor += row.size() * sizeof(float);
    }
  }
}

void EmbeddingFile::write(const std::string& path) {
  gather();
  if (!distributed::Communicator::world().is_root()) return;
  size_t longest = 0;
  size_t width = 0;
  for (const auto& rows : inputs_) {
    longest = std::max(longest, rows.size());
    if (!rows.empty()) width = rows.front().size();
  }
  const auto count = static_cast<int64_t>(inputs_.size());
  std::vector<float> values(inputs_.size() * longest * width, 0.0f);
  std::vector<int32_t> lengths;
  for (size_t i = 0; i < inputs_.size(); ++i) {
    for (size_t t = 0; t < inputs_[i].size(); ++t) {
      std::copy(inputs_[i][t].begin(), inputs_[i][t].end(), values.begin() + (i * longest + t) * width);
    }
    lengths.push_back(static_cast<int32_t>(inputs_[i].size()));
  }
  if (!per_token_) {
    io::write_npy(path, std::vector<int64_t>{count, static_cast<int64_t>(width)}, values);
    return;
  }
  io::write_npy(path, std::vector<int64_t>{count, static_cast<int64_t>(longest), static_cast<int64_t>(width)},
                values);
  const std::string stem = path.ends_with(".npy") ? path.substr(0, path.size() - 4) : path;
  io::write_npy(stem + ".lengths.npy", std::vector<int64_t>{count}, lengths);
}

}  // namespace ufb::cli

#include "io/pickle_builder.h"

namespace ufb::io::testing {
namespace {

std::string little_endian(std::uint64_t value, int bytes) {
  std::string text;
  for (int i = 0; i < bytes; ++i) text += static_cast<char>((value >> (8 * i)) & 0xff);
  return text;
}

}  // namespace

// Built by appending: GCC 12 warns falsely (-Wrestrict) about `"X" + std::string`.
std::string pickle_string(std::string_view text) {
  std::string pickle(1, 'X');
  pickle += little_endian(text.size(), 4);
  pickle += text;
  return pickle;
}

std::string pickle_int(std::int64_t value) {
  const bool small = value >= 0 && value < 256;
  std::string pickle(1, small ? 'K' : 'J');
  pickle += little_endian(static_cast<std::uint64_t>(value), small ? 1 : 4);
  return pickle;
}

std::string pickle_tuple(const std::vector<std::string>& items) {
  std::string text = "(";
  for (const std::string& item : items) text += item;
  return text + "t";
}

std::string pickle_int_tuple(const std::vector<std::int64_t>& values) {
  std::vector<std::string> items;
  for (std::int64_t value : values) items.push_back(pickle_int(value));
  return pickle_tuple(items);
}

std::string pickle_tensor(const TensorPickle& tensor) {
  const std::string storage =
      pickle_tuple({pickle_string("storage"), "ctorch\n" + tensor.storage_type + "\n",
                    pickle_string(tensor.storage_key), pickle_string("cpu"),
                    pickle_int(tensor.storage_elements)}) +
      "Q";
  return "ctorch._utils\n_rebuild_tensor_v2\n" +
         pickle_tuple({storage, pickle_int(tensor.storage_offset), pickle_int_tuple(tensor.shape),
                       pickle_int_tuple(tensor.stride), "\x89", "}"}) +
         "R";
}

std::string pickle_state_dict(const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string text = "\x80\x02}(";
  for (const auto& [name, value] : entries) text += pickle_string(name) + value;
  return text + "u.";
}

}  // namespace ufb::io::testing

#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ufb::io::testing {

// Hand-written protocol-2 pickles, shaped like what torch.save writes, for the malformed-input
// tests of the restricted unpickler.
std::string pickle_string(std::string_view text);  // BINUNICODE
std::string pickle_int(std::int64_t value);        // BININT1 or BININT
std::string pickle_tuple(const std::vector<std::string>& items);
std::string pickle_int_tuple(const std::vector<std::int64_t>& values);

struct TensorPickle {
  std::string storage_type = "FloatStorage";
  std::string storage_key = "0";
  std::int64_t storage_elements = 4;
  std::int64_t storage_offset = 0;
  std::vector<std::int64_t> shape = {4};
  std::vector<std::int64_t> stride = {1};
};
// _rebuild_tensor_v2(<persistent storage>, offset, shape, stride, False, {}) as one REDUCE.
std::string pickle_tensor(const TensorPickle& tensor);

// PROTO 2, an empty dict, SETITEMS with `entries` (name, pickled value), STOP.
std::string pickle_state_dict(const std::vector<std::pair<std::string, std::string>>& entries);

}  // namespace ufb::io::testing

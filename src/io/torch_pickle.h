#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ufb/io/dtype.h"

namespace ufb::io {

// One tensor of a pickled state dict as torch.save describes it: a view into a storage record
// (`<archive>/data/<storage_key>`) that the caller reads and checks.
struct PickledTensor {
  std::string name;
  DType dtype = DType::kF32;
  std::string storage_key;
  std::uint64_t storage_elements = 0;  // as the pickle declares the storage's size
  std::int64_t storage_offset = 0;     // in elements
  std::vector<std::int64_t> shape;
  std::vector<std::int64_t> stride;
};

// Interprets the data.pkl of a torch.save archive holding a state dict: a dict (or
// OrderedDict) from names to tensors. A restricted unpickler: it knows the protocol-2 opcodes
// torch.save emits, accepts only the globals a state dict needs (collections.OrderedDict,
// torch._utils._rebuild_tensor_v2 and _rebuild_parameter, torch.{Float,Half,BFloat16,Long}Storage)
// and calls nothing: those globals are recognised by name and their effect is recorded as data.
// Throws ufb::Error naming `source_name`, the byte offset and the offending opcode or global.
std::vector<PickledTensor> read_state_dict_pickle(std::span<const std::byte> pickle,
                                                  const std::string& source_name);

}  // namespace ufb::io

// Arbitrary bytes as the data.pkl of a torch.save archive: the restricted unpickler must return
// a state dict or throw ufb::Error.

#include "fuzz_input.h"
#include "ufb/error.h"
#include "io/torch_pickle.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    ufb::io::read_state_dict_pickle(ufb::fuzz::as_bytes(data, size), "fuzz/data.pkl");
  } catch (const ufb::Error&) {
  }
  return 0;
}

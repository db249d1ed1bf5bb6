// Arbitrary bytes as a pytorch_model.bin (a zip archive holding data.pkl and storage records):
// the reader must list tensors inside their storages or throw ufb::Error. Accepted tensors are
// read in full, so a view that escapes its storage is caught by AddressSanitizer.

#include <vector>

#include "fuzz_input.h"
#include "ufb/error.h"
#include "io/pytorch_bin.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const ufb::io::PytorchBinFile archive(ufb::fuzz::as_bytes(data, size), "fuzz.bin");
    std::vector<float> widened;
    for (const ufb::io::RawTensor& tensor : archive.tensors()) {
      ufb::io::as_float32(tensor, widened, "fuzz.bin");
    }
  } catch (const ufb::Error&) {
  }
  return 0;
}

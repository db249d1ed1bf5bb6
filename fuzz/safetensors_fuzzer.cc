// Arbitrary bytes as a .safetensors image: the reader must accept it with every tensor inside
// the image, or throw ufb::Error. Accepted tensors are read in full, so a view that escapes the
// image is caught by AddressSanitizer.

#include <vector>

#include "fuzz_input.h"
#include "ufb/error.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const ufb::io::SafetensorsContents contents =
        ufb::io::parse_safetensors(ufb::fuzz::as_bytes(data, size), "fuzz.safetensors");
    std::vector<float> widened;
    for (const ufb::io::RawTensor& tensor : contents.tensors) {
      ufb::io::as_float32(tensor, widened, "fuzz.safetensors");
    }
  } catch (const ufb::Error&) {
  }
  return 0;
}

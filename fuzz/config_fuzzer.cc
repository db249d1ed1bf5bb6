// Arbitrary bytes as config.json: the parser must return a config whose derived sizes are
// computable, or throw ufb::Error.

#include "fuzz_input.h"
#include "ufb/error.h"
#include "ufb/io/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const ufb::io::ModelConfig config =
        ufb::io::parse_model_config(ufb::fuzz::as_text(data, size), "fuzz/config.json");
    config.feedforward_width();
  } catch (const ufb::Error&) {
  }
  return 0;
}

#include "ufb/model/builtin_model.h"

#include <cstddef>
#include <span>
#include <string>

#include "ufb/error.h"
#include "ufb/io/config.h"
#include "io/safetensors.h"

#if UFB_EMBED_DEFAULT_MODEL
// Defined by builtin_model_data.S, which the build generates to .incbin the model's files.
extern "C" {
extern const std::byte ufb_builtin_config_begin[], ufb_builtin_config_end[];
extern const std::byte ufb_builtin_weights_begin[], ufb_builtin_weights_end[];
extern const std::byte ufb_builtin_tokenizer_begin[], ufb_builtin_tokenizer_end[];
}
#endif

namespace ufb::model {
namespace {

struct EmbeddedFiles {
  std::string_view config_json;
  std::span<const std::byte> weights;
  std::string_view tokenizer_json;
};

#if UFB_EMBED_DEFAULT_MODEL
std::string_view as_text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
#endif

EmbeddedFiles embedded_files() {
#if UFB_EMBED_DEFAULT_MODEL
  return {as_text({ufb_builtin_config_begin, ufb_builtin_config_end}),
          {ufb_builtin_weights_begin, ufb_builtin_weights_end},
          as_text({ufb_builtin_tokenizer_begin, ufb_builtin_tokenizer_end})};
#else
  throw Error("this build has no " + std::string(kBuiltinModelName) +
              " model (it was configured with UFB_EMBED_DEFAULT_MODEL=OFF)");
#endif
}

std::string source_name(std::string_view file) {
  return std::string(kBuiltinModelName) + "/" + std::string(file);
}

}  // namespace

bool has_builtin_model() { return UFB_EMBED_DEFAULT_MODEL != 0; }

io::ModelConfig builtin_model_config() {
  return io::parse_model_config(embedded_files().config_json, source_name("config.json"));
}

std::unique_ptr<const io::Checkpoint> builtin_checkpoint() {
  return std::make_unique<const io::Checkpoint>(
      builtin_model_config(), std::make_unique<io::SafetensorsImage>(embedded_files().weights,
                                                                     source_name("model.safetensors")));
}

std::unique_ptr<Model> builtin_model(const ModelOptions& options) {
  return std::make_unique<Model>(builtin_checkpoint(), options);
}

tokenizer::Tokenizer builtin_tokenizer() {
  return tokenizer::Tokenizer::from_json(embedded_files().tokenizer_json,
                                         source_name("tokenizer.json"));
}

}  // namespace ufb::model

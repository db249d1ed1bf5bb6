#pragma once

// The small pretrained FFF model of models/ufb-mini-fff/, compiled into the library when it is
// built with UFB_EMBED_DEFAULT_MODEL (the default), so that a program answers without a download.

#include <memory>
#include <string_view>

#include "ufb/io/checkpoint.h"
#include "ufb/model/model.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::model {

// What error messages and the CLI call the built-in model; its files read as
// "built-in ufb-mini-fff/config.json" and so on.
inline constexpr std::string_view kBuiltinModelName = "built-in ufb-mini-fff";

// False when the library was built with UFB_EMBED_DEFAULT_MODEL=OFF.
bool has_builtin_model();

// Each throws ufb::Error when has_builtin_model() is false. The weights are read from the
// program's own read-only data, validated as a model directory's are.
io::ModelConfig builtin_model_config();
std::unique_ptr<const io::Checkpoint> builtin_checkpoint();
std::unique_ptr<Model> builtin_model(const ModelOptions& options = {});
tokenizer::Tokenizer builtin_tokenizer();

}  // namespace ufb::model

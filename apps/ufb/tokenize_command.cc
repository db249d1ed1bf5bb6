#include "tokenize_command.h"

#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common_options.h"
#include "text_inputs.h"
#include "ufb/error.h"
#include "ufb/io/config.h"
#include "ufb/model/builtin_model.h"
#include "ufb/tokenizer/tokenizer.h"

namespace ufb::cli {
namespace {

struct TokenizeFlags {
  std::string model_dir;
  std::string tokenizer_path;
  std::string file = "-";
  int64_t max_length = 0;
};

bool uses_builtin_model(const TokenizeFlags& flags) {
  return flags.model_dir.empty() && flags.tokenizer_path.empty() && model::has_builtin_model();
}

// --max-length, else the max_seq_length of a config.json beside the tokenizer (or of the built-in
// model), else none.
std::optional<size_t> length_limit(const TokenizeFlags& flags) {
  if (flags.max_length > 0) return static_cast<size_t>(flags.max_length);
  if (uses_builtin_model(flags)) return static_cast<size_t>(model::builtin_model_config().embedding.max_seq_length);
  const std::filesystem::path tokenizer_dir =
      flags.tokenizer_path.empty() ? std::filesystem::path(flags.model_dir)
                                   : std::filesystem::path(flags.tokenizer_path).parent_path();
  const std::filesystem::path config = tokenizer_dir / "config.json";
  if (tokenizer_dir.empty() || !std::filesystem::exists(config)) return std::nullopt;
  return static_cast<size_t>(io::read_model_config(config).embedding.max_seq_length);
}

tokenizer::Tokenizer load_tokenizer(const TokenizeFlags& flags) {
  if (uses_builtin_model(flags)) return model::builtin_tokenizer();
  if (flags.model_dir.empty() && flags.tokenizer_path.empty()) throw Error("give --model DIR or --tokenizer FILE");
  return tokenizer::Tokenizer::from_file(flags.tokenizer_path.empty() ? flags.model_dir : flags.tokenizer_path);
}

void tokenize(const TokenizeFlags& flags) {
  tokenizer::Tokenizer tokenizer = load_tokenizer(flags);
  tokenizer.set_padding(std::nullopt);
  std::optional<tokenizer::TruncationOptions> truncation;
  if (const std::optional<size_t> limit = length_limit(flags)) {
    truncation.emplace();
    truncation->max_length = *limit;
  }
  tokenizer.set_truncation(truncation);
  const std::vector<TextInput> inputs = read_text_inputs({}, flags.file, false);
  for (size_t i = 0; i < inputs.size(); ++i) {
    try {
      const tokenizer::Encoding encoding = inputs[i].is_pair() ? tokenizer.encode_pair(inputs[i].text, *inputs[i].text_pair)
                                                               : tokenizer.encode(inputs[i].text);
      std::cout << nlohmann::json{{"ids", encoding.ids}, {"tokens", encoding.tokens}}.dump() << "\n";
    } catch (const Error& error) {
      throw Error("input " + std::to_string(i + 1) + ": " + error.what());
    }
  }
}

}  // namespace

void add_tokenize_command(CLI::App& app) {
  auto flags = std::make_shared<TokenizeFlags>();
  CLI::App* command = app.add_subcommand("tokenize", "Token ids and strings of each input line (stdin by default)");
  add_model_option(*command, flags->model_dir, WithoutModel::builtin);
  add_tokenizer_option(*command, flags->tokenizer_path);
  add_file_option(*command, flags->file);
  add_max_length_option(*command, flags->max_length);
  command->footer("\n--model: only its tokenizer (tokenizer.json or vocab.txt) and config.json's max_seq_length are read.");
  command->callback([flags] { tokenize(*flags); });
}

}  // namespace ufb::cli

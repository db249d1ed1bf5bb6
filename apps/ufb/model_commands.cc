#include "model_commands.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "common_options.h"
#include "embedding_file.h"
#include "in_order.h"
#include "model_session.h"
#include "sharded_output.h"
#include "ufb/distributed/communicator.h"
#include "ufb/error.h"
#include "ufb/model/builtin_model.h"

namespace ufb::cli {
namespace {

using nlohmann::json;

template <typename... Args>
std::string format(const char* pattern, Args... args) {
  const int size = std::snprintf(nullptr, 0, pattern, args...);
  std::string text(static_cast<size_t>(size) + 1, '\0');
  std::snprintf(text.data(), text.size(), pattern, args...);
  text.pop_back();
  return text;
}

void fill_mask(const ModelFlags& flags, int64_t top_k) {
  const ModelSession session(flags);
  const std::optional<int32_t> mask_id = session.tokenizer().mask_token_id();
  if (!mask_id) throw Error("the tokenizer defines no mask token");
  const std::string mask_token(session.tokenizer().id_to_token(*mask_id));
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, false);
  ShardedText output(flags.out);
  session.for_each_batch(inputs, [&](const ModelSession::Batch& tokens) {
    const std::vector<std::vector<FilledMask>> answers = session.text_model().fill_mask_batch(tokens, top_k);
    for (size_t b = 0; b < answers.size(); ++b) {
      const size_t input = tokens.inputs[b];  // consecutive inputs
      json masks = json::array();
      if (!flags.json) output.write(inputs[input].text + "\n");
      for (size_t m = 0; m < answers[b].size(); ++m) {
        json candidates = json::array();
        for (const model::TokenPrediction& p : answers[b][m].predictions) {
          const std::string token = session.text_model().token_text(p.token_id);
          candidates.push_back({{"token", token}, {"id", p.token_id}, {"probability", p.probability}});
          if (!flags.json) output.write(format("  %s %zu: %-16s %.4f\n", mask_token.c_str(), m + 1, token.c_str(), p.probability));
        }
        masks.push_back({{"position", answers[b][m].position}, {"predictions", candidates}});
      }
      if (flags.json) output.write(json{{"input", input}, {"masks", masks}}.dump() + "\n");
    }
  });
  output.finish();
}

struct EmbedFlags {
  // Empty: the model's own pooling (a sentence-transformers directory's modules), else mean.
  // "none": one vector per token.
  std::string pooling;
  // --normalize: 1, --no-normalize: -1, neither: 0, as the model's pipeline says. (CLI11 2.1
  // sets an optional<bool> flag even when it is absent.)
  int normalize = 0;
};

EmbedOptions embed_options(const EmbedFlags& flags) {
  EmbedOptions options;
  options.per_token = flags.pooling == "none";
  if (!flags.pooling.empty() && !options.per_token) options.pooling = parse_pooling(flags.pooling);
  if (flags.normalize != 0) options.normalize = flags.normalize > 0;
  return options;
}

std::string vector_text(std::span<const float> vector) {
  std::string text;
  for (size_t i = 0; i < vector.size(); ++i) text += format(i ? " %.6g" : "%.6g", vector[i]);
  return text + "\n";
}

void embed(const ModelFlags& flags, const EmbedFlags& embed_flags) {
  const ModelSession session(flags);
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, true);
  const bool per_token = embed_flags.pooling == "none";
  const bool to_npy = flags.out.ends_with(".npy");
  EmbeddingFile npy(per_token);
  ShardedText output(to_npy ? "" : flags.out);
  const EmbedOptions options = embed_options(embed_flags);
  const model::SentenceEmbedding pipeline = session.text_model().embedding_pipeline(options);
  using Vectors = std::vector<std::vector<float>>;
  InOrder<Vectors> in_order(session.shard_begin(inputs.size()), [&](size_t input, Vectors&& vectors) {
    if (to_npy) {
      npy.add(std::move(vectors));
    } else if (flags.json && per_token) {
      output.write(json{{"input", input}, {"tokens", vectors}}.dump() + "\n");
    } else if (flags.json) {
      output.write(json{{"input", input}, {"embedding", vectors.front()}}.dump() + "\n");
    } else {
      for (const std::vector<float>& vector : vectors) output.write(vector_text(vector));
      if (per_token) output.write("\n");
    }
  });
  session.for_each_batch(
      inputs,
      [&](const ModelSession::Batch& batch) {
        std::vector<Vectors> vectors = session.text_model().embed_batch(batch, options, pipeline);
        for (size_t b = 0; b < vectors.size(); ++b) in_order.put(batch.inputs[b], std::move(vectors[b]));
      },
      true, session.text_model().embedding_order(pipeline));
  if (to_npy) {
    npy.write(flags.out);
    if (distributed::Communicator::world().is_root()) {
      std::cerr << "ufb: wrote " << inputs.size() << (per_token ? " per-token" : "")
                << " embeddings to " << flags.out << "\n";
    }
  } else {
    output.finish();
  }
}

void classify(const ModelFlags& flags) {
  if (flags.model_dir.empty() && model::has_builtin_model()) {
    throw Error("classify needs --model DIR: the " + std::string(model::kBuiltinModelName) +
                " model has no classification head");
  }
  const ModelSession session(flags);
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, true);
  ShardedText output(flags.out);
  InOrder<ClassScores> in_order(session.shard_begin(inputs.size()), [&](size_t input, ClassScores&& answer) {
    const std::span<const float> logits = answer.logits;
    if (answer.probabilities.empty()) {  // regression
      std::string text;
      for (size_t i = 0; i < logits.size(); ++i) text += format(i ? " %.6g" : "%.6g", logits[i]);
      output.write(flags.json ? json{{"input", input}, {"score", logits.size() == 1 ? json(logits[0]) : json(logits)}}.dump() + "\n"
                              : text + "\n");
      return;
    }
    const std::span<const float> probabilities = answer.probabilities;
    const int64_t label = std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin();
    if (flags.json) {
      output.write(json{{"input", input}, {"label", label}, {"probabilities", probabilities}, {"logits", logits}}.dump() + "\n");
    } else {
      output.write(format("%lld\t%.4f\n", static_cast<long long>(label), probabilities[label]));
    }
  });
  session.for_each_batch(
      inputs,
      [&](const ModelSession::Batch& batch) {
        std::vector<ClassScores> answers = session.text_model().classify_batch(batch);
        for (size_t b = 0; b < answers.size(); ++b) in_order.put(batch.inputs[b], std::move(answers[b]));
      },
      true, session.text_model().classify_order());
  output.finish();
}

}  // namespace

void add_model_commands(CLI::App& app) {
  auto flags = std::make_shared<ModelFlags>();

  CLI::App* fill = app.add_subcommand("fill-mask", "Predict the tokens behind the mask token of each text");
  add_model_flags(*fill, *flags);
  auto top_k = std::make_shared<int64_t>(5);
  fill->add_option("--top-k", *top_k, "Candidates per mask")->capture_default_str()->check(CLI::Range(1, 1000));
  fill->callback([flags, top_k] { fill_mask(*flags, *top_k); });

  CLI::App* embed_command = app.add_subcommand("embed", "One vector per text (or TAB-separated text pair)");
  add_model_flags(*embed_command, *flags);
  auto embed_flags = std::make_shared<EmbedFlags>();
  add_pooling_option(*embed_command, embed_flags->pooling, /*per_token=*/true);
  embed_command->add_flag("--normalize,!--no-normalize", embed_flags->normalize,
                          "Scale each vector to unit length (default: as the model's modules say)");
  embed_command->callback([flags, embed_flags] { embed(*flags, *embed_flags); });

  CLI::App* classify_command = app.add_subcommand("classify", "Labels (or regression scores) of texts or TAB-separated pairs");
  add_model_flags(*classify_command, *flags);
  classify_command->callback([flags] { classify(*flags); });
}

}  // namespace ufb::cli

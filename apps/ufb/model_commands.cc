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
    const size_t first = tokens.inputs.front();  // consecutive inputs
    const std::span<const model::TokenIds> batch = tokens.ids;
    const std::vector<model::TokenPosition> positions = model::find_token(batch, *mask_id);
    std::vector<size_t> masks_of(batch.size(), 0);
    for (const model::TokenPosition& p : positions) ++masks_of[p.sequence];
    for (size_t b = 0; b < batch.size(); ++b) {
      if (masks_of[b] == 0) throw Error("input " + std::to_string(first + b + 1) + " has no " + mask_token + " token");
    }
    const auto predictions = session.model().fill_mask(batch, positions, top_k, tokens.types);
    size_t next = 0;
    for (size_t b = 0; b < batch.size(); ++b) {
      json masks = json::array();
      if (!flags.json) output.write(inputs[first + b].text + "\n");
      for (size_t m = 0; m < masks_of[b]; ++m, ++next) {
        json candidates = json::array();
        for (const model::TokenPrediction& p : predictions[next]) {
          const std::string token = token_text(session.tokenizer(), p.token_id);
          candidates.push_back({{"token", token}, {"id", p.token_id}, {"probability", p.probability}});
          if (!flags.json) output.write(format("  %s %zu: %-16s %.4f\n", mask_token.c_str(), m + 1, token.c_str(), p.probability));
        }
        masks.push_back({{"position", positions[next].position}, {"predictions", candidates}});
      }
      if (flags.json) output.write(json{{"input", first + b}, {"masks", masks}}.dump() + "\n");
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

// What `embed` runs: the model directory's sentence-transformers pipeline unless flags say
// otherwise; a --pooling flag replaces its pooling and Dense modules.
model::SentenceEmbedding embedding_pipeline(const ModelSession& session, const EmbedFlags& flags) {
  const std::optional<model::SentenceEmbedding>& own = session.sentence_embedding();
  model::SentenceEmbedding pipeline =
      flags.pooling.empty() && own ? *own
                                   : model::SentenceEmbedding::plain(parse_pooling(flags.pooling.empty() ? "mean" : flags.pooling),
                                                                     own && own->normalize());
  if (flags.normalize != 0) pipeline.set_normalize(flags.normalize > 0);
  return pipeline;
}

std::string vector_text(std::span<const float> vector) {
  std::string text;
  for (size_t i = 0; i < vector.size(); ++i) text += format(i ? " %.6g" : "%.6g", vector[i]);
  return text + "\n";
}

// crammedBERT's `avg` pooler averages over the padded length (model.h): its answers depend on
// the batch, which must then be the consecutive inputs the user gave.
bool avg_pooler(const model::Model& model) {
  return model.config().classification_head.pooler == io::Pooler::kAverage;
}

bool depends_on_batch(const model::Model& model, const model::SentenceEmbedding& pipeline) {
  const std::vector<model::EmbeddingPooling>& pooling = pipeline.pooling();
  return avg_pooler(model) &&
         std::find(pooling.begin(), pooling.end(), model::EmbeddingPooling::pooler) != pooling.end();
}

// Each input's vectors: one pooled vector, or one per token.
std::vector<std::vector<std::vector<float>>> embed_batch(const model::Model& model, const ModelSession::Batch& tokens,
                                                         const EmbedFlags& embed_flags,
                                                         const model::SentenceEmbedding& pipeline) {
  const std::span<const model::TokenIds> batch = tokens.ids;
  std::vector<std::vector<std::vector<float>>> vectors(batch.size());
  if (embed_flags.pooling == "none") {
    const model::HiddenStates states = model.encode(batch, model::PaddingRows::skip, tokens.types);
    for (size_t b = 0; b < batch.size(); ++b) {
      for (size_t t = 0; t < batch[b].size(); ++t) {
        const std::span<const float> row = states.row(static_cast<int64_t>(b), static_cast<int64_t>(t));
        vectors[b].emplace_back(row.begin(), row.end());
      }
    }
    if (pipeline.normalize()) {
      for (auto& rows : vectors) {
        for (auto& vector : rows) model::normalize_to_unit_length(vector);
      }
    }
  } else {
    const model::Embeddings embeddings = pipeline.embed(model, batch, tokens.types);
    for (int64_t b = 0; b < embeddings.batch; ++b) {
      const auto row = embeddings.values.begin() + b * embeddings.width;
      vectors[b].emplace_back(row, row + embeddings.width);
    }
  }
  return vectors;
}

void embed(const ModelFlags& flags, const EmbedFlags& embed_flags) {
  const ModelSession session(flags);
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, true);
  const bool per_token = embed_flags.pooling == "none";
  const bool to_npy = flags.out.ends_with(".npy");
  EmbeddingFile npy(per_token);
  ShardedText output(to_npy ? "" : flags.out);
  const model::SentenceEmbedding pipeline = embedding_pipeline(session, embed_flags);
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
        std::vector<Vectors> vectors = embed_batch(session.model(), batch, embed_flags, pipeline);
        for (size_t b = 0; b < vectors.size(); ++b) in_order.put(batch.inputs[b], std::move(vectors[b]));
      },
      true, depends_on_batch(session.model(), pipeline) ? ModelSession::Order::as_given : ModelSession::Order::by_length);
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
  struct Answer {
    std::vector<float> logits, probabilities;
  };
  io::ProblemType problem_type = io::ProblemType::kSingleLabel;
  InOrder<Answer> in_order(session.shard_begin(inputs.size()), [&](size_t input, Answer&& answer) {
    const std::span<const float> logits = answer.logits;
    if (problem_type == io::ProblemType::kRegression) {
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
        const model::Classification result = session.model().classify(batch.ids, batch.types);
        problem_type = result.problem_type;
        for (int64_t b = 0; b < result.batch; ++b) {
          const auto row = [&](const std::vector<float>& values) {
            return values.empty() ? std::vector<float>()
                                  : std::vector<float>(values.begin() + b * result.num_labels,
                                                       values.begin() + (b + 1) * result.num_labels);
          };
          in_order.put(batch.inputs[b], Answer{row(result.logits), row(result.probabilities)});
        }
      },
      true, avg_pooler(session.model()) ? ModelSession::Order::as_given : ModelSession::Order::by_length);
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

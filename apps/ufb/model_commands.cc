#include "model_commands.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "model_session.h"
#include "unit_length.h"
#include "ufb/error.h"

namespace ufb::cli {
namespace {

using nlohmann::json;

void fill_mask(const ModelFlags& flags, int64_t top_k) {
  const ModelSession session(flags);
  const std::optional<int32_t> mask_id = session.tokenizer().mask_token_id();
  if (!mask_id) throw Error("the tokenizer defines no mask token");
  const std::string mask_token(session.tokenizer().id_to_token(*mask_id));
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, false);
  session.for_each_batch(inputs, [&](size_t first, std::span<const model::TokenIds> batch) {
    const std::vector<model::TokenPosition> positions = model::find_token(batch, *mask_id);
    std::vector<size_t> masks_of(batch.size(), 0);
    for (const model::TokenPosition& p : positions) ++masks_of[p.sequence];
    for (size_t b = 0; b < batch.size(); ++b) {
      if (masks_of[b] == 0) throw Error("input " + std::to_string(first + b + 1) + " has no " + mask_token + " token");
    }
    const auto predictions = session.model().fill_mask(batch, positions, top_k);
    size_t next = 0;
    for (size_t b = 0; b < batch.size(); ++b) {
      json masks = json::array();
      if (!flags.json) std::cout << inputs[first + b].text << "\n";
      for (size_t m = 0; m < masks_of[b]; ++m, ++next) {
        json candidates = json::array();
        for (const model::TokenPrediction& p : predictions[next]) {
          const std::string token = token_text(session.tokenizer(), p.token_id);
          candidates.push_back({{"token", token}, {"id", p.token_id}, {"probability", p.probability}});
          if (!flags.json) std::printf("  %s %zu: %-16s %.4f\n", mask_token.c_str(), m + 1, token.c_str(), p.probability);
        }
        masks.push_back({{"position", positions[next].position}, {"predictions", candidates}});
      }
      if (flags.json) std::cout << json{{"input", first + b}, {"masks", masks}}.dump() << "\n";
    }
  });
}

void embed(const ModelFlags& flags, const std::string& pooling, bool normalize) {
  const ModelSession session(flags);
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, true);
  session.for_each_batch(inputs, [&](size_t first, std::span<const model::TokenIds> batch) {
    model::Embeddings embeddings = session.model().embed(batch, parse_pooling(pooling));
    for (int64_t b = 0; b < embeddings.batch; ++b) {
      const std::span<float> vector(embeddings.values.data() + b * embeddings.width, embeddings.width);
      if (normalize) normalize_to_unit_length(vector);
      if (flags.json) {
        std::cout << json{{"input", first + b}, {"embedding", vector}}.dump() << "\n";
      } else {
        for (size_t i = 0; i < vector.size(); ++i) std::printf(i ? " %.6g" : "%.6g", vector[i]);
        std::printf("\n");
      }
    }
  });
}

void classify(const ModelFlags& flags) {
  const ModelSession session(flags);
  const std::vector<TextInput> inputs = read_text_inputs(flags.texts, flags.file, true);
  session.for_each_batch(inputs, [&](size_t first, std::span<const model::TokenIds> batch) {
    const model::Classification result = session.model().classify(batch);
    for (int64_t b = 0; b < result.batch; ++b) {
      const std::span<const float> logits(result.logits.data() + b * result.num_labels, result.num_labels);
      if (result.num_labels == 1) {
        if (flags.json) std::cout << json{{"input", first + b}, {"score", logits[0]}}.dump() << "\n";
        else std::printf("%.6g\n", logits[0]);
        continue;
      }
      const std::span<const float> probabilities(result.probabilities.data() + b * result.num_labels, result.num_labels);
      const int64_t label = std::max_element(probabilities.begin(), probabilities.end()) - probabilities.begin();
      if (flags.json) {
        std::cout << json{{"input", first + b}, {"label", label}, {"probabilities", probabilities}, {"logits", logits}}.dump()
                  << "\n";
      } else {
        std::printf("%lld\t%.4f\n", static_cast<long long>(label), probabilities[label]);
      }
    }
  });
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
  auto pooling = std::make_shared<std::string>("mean");
  auto normalize = std::make_shared<bool>(false);
  embed_command->add_option("--pooling", *pooling, "mean | first | pooler (classification models)")
      ->capture_default_str()->check(CLI::IsMember({"mean", "first", "pooler"}));
  embed_command->add_flag("--normalize", *normalize, "Scale each vector to unit length");
  embed_command->callback([flags, pooling, normalize] { embed(*flags, *pooling, *normalize); });

  CLI::App* classify_command = app.add_subcommand("classify", "Labels (or regression scores) of texts or TAB-separated pairs");
  add_model_flags(*classify_command, *flags);
  classify_command->callback([flags] { classify(*flags); });
}

}  // namespace ufb::cli

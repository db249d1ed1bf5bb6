// TextModel's answers: embed, fill-mask and classify, batch by batch and for whole lists.

#include <algorithm>
#include <cmath>

#include "ufb/error.h"
#include "ufb/text_model.h"

namespace ufb {
namespace {

// crammedBERT's `avg` pooler averages over the padded length (model.h): its answers depend on
// the batch.
bool avg_pooler(const model::Model& model) {
  return model.config().classification_head.pooler == io::Pooler::kAverage;
}

// Runs `answer_batch` over all inputs in `order` and returns the answers in input order.
template <typename Answer, typename AnswerBatch>
std::vector<Answer> answers_in_order(const TextModel& text_model, std::span<const TextInput> inputs, size_t batch_size,
                                     BatchOrder order, const AnswerBatch& answer_batch) {
  std::vector<Answer> answers(inputs.size());
  BatchOptions options;
  options.batch_size = batch_size;
  options.order = order;
  text_model.for_each_batch(inputs, options, [&](const TextBatch& batch) {
    std::vector<Answer> batch_answers = answer_batch(batch);
    for (size_t b = 0; b < batch_answers.size(); ++b) answers[batch.inputs[b]] = std::move(batch_answers[b]);
  });
  return answers;
}

}  // namespace

model::SentenceEmbedding TextModel::embedding_pipeline(const EmbedOptions& options) const {
  const std::optional<model::SentenceEmbedding>& own = sentence_embedding_;
  model::SentenceEmbedding pipeline =
      !options.pooling && own ? *own
                              : model::SentenceEmbedding::plain(options.pooling.value_or(model::EmbeddingPooling::mean),
                                                                own && own->normalize());
  if (options.normalize) pipeline.set_normalize(*options.normalize);
  return pipeline;
}

BatchOrder TextModel::embedding_order(const model::SentenceEmbedding& pipeline) const {
  const std::vector<model::EmbeddingPooling>& pooling = pipeline.pooling();
  const bool uses_pooler = std::find(pooling.begin(), pooling.end(), model::EmbeddingPooling::pooler) != pooling.end();
  return avg_pooler(*model_) && uses_pooler ? BatchOrder::as_given : BatchOrder::by_length;
}

BatchOrder TextModel::classify_order() const {
  return avg_pooler(*model_) ? BatchOrder::as_given : BatchOrder::by_length;
}

std::vector<std::vector<std::vector<float>>> TextModel::embed_batch(const TextBatch& tokens, const EmbedOptions& options,
                                                                    const model::SentenceEmbedding& pipeline) const {
  const std::span<const model::TokenIds> batch = tokens.ids;
  std::vector<std::vector<std::vector<float>>> vectors(batch.size());
  if (options.per_token) {
    const model::HiddenStates states = model_->encode(batch, model::PaddingRows::skip, tokens.types);
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
    const model::Embeddings embeddings = pipeline.embed(*model_, batch, tokens.types);
    for (int64_t b = 0; b < embeddings.batch; ++b) {
      const auto row = embeddings.values.begin() + b * embeddings.width;
      vectors[b].emplace_back(row, row + embeddings.width);
    }
  }
  return vectors;
}

std::vector<std::vector<FilledMask>> TextModel::fill_mask_batch(const TextBatch& tokens, int64_t top_k) const {
  const std::optional<int32_t> mask_id = tokenizer_.mask_token_id();
  if (!mask_id) throw Error("the tokenizer defines no mask token");
  const std::span<const model::TokenIds> batch = tokens.ids;
  const std::vector<model::TokenPosition> positions = model::find_token(batch, *mask_id);
  std::vector<size_t> masks_of(batch.size(), 0);
  for (const model::TokenPosition& p : positions) ++masks_of[p.sequence];
  for (size_t b = 0; b < batch.size(); ++b) {
    if (masks_of[b] == 0) {
      throw Error("input " + std::to_string(tokens.inputs[b] + 1) + " has no " + token_text(*mask_id) + " token");
    }
  }
  const auto predictions = model_->fill_mask(batch, positions, top_k, tokens.types);
  std::vector<std::vector<FilledMask>> answers(batch.size());
  for (size_t m = 0; m < positions.size(); ++m) {
    answers[positions[m].sequence].push_back(FilledMask{positions[m].position, predictions[m]});
  }
  return answers;
}

std::vector<ClassScores> TextModel::classify_batch(const TextBatch& batch) const {
  const model::Classification result = model_->classify(batch.ids, batch.types);
  std::vector<ClassScores> answers(static_cast<size_t>(result.batch));
  for (int64_t b = 0; b < result.batch; ++b) {
    const auto row = [&](const std::vector<float>& values) {
      return values.empty() ? std::vector<float>()
                            : std::vector<float>(values.begin() + b * result.num_labels,
                                                 values.begin() + (b + 1) * result.num_labels);
    };
    answers[b] = ClassScores{row(result.logits), row(result.probabilities)};
  }
  return answers;
}

std::vector<SparseEmbedding> TextModel::embed_sparse_batch(const TextBatch& tokens) const {
  std::vector<SparseEmbedding> answers;
  // One input per model call: the logits of every position of a batch would take
  // tokens x vocabulary floats at once.
  for (size_t b = 0; b < tokens.ids.size(); ++b) {
    std::vector<model::TokenPosition> positions;
    for (size_t position = 0; position < tokens.ids[b].size(); ++position) {
      positions.push_back({0, static_cast<int64_t>(position)});
    }
    const std::vector<float> logits =
        model_->mlm_logits(tokens.ids.subspan(b, 1), positions, tokens.types.empty() ? tokens.types : tokens.types.subspan(b, 1));
    const size_t vocab = positions.empty() ? 0 : logits.size() / positions.size();
    std::vector<float> best(vocab, 0.0f);
    for (size_t p = 0; p < positions.size(); ++p) {
      for (size_t v = 0; v < vocab; ++v) best[v] = std::max(best[v], std::log1p(std::max(logits[p * vocab + v], 0.0f)));
    }
    SparseEmbedding& sparse = answers.emplace_back();
    for (size_t v = 0; v < vocab; ++v) {
      if (best[v] > 0.0f) {
        sparse.indices.push_back(static_cast<int32_t>(v));
        sparse.values.push_back(best[v]);
      }
    }
  }
  return answers;
}

std::vector<std::vector<std::vector<float>>> TextModel::embed(std::span<const TextInput> inputs,
                                                              const EmbedOptions& options, size_t batch_size) const {
  const model::SentenceEmbedding pipeline = embedding_pipeline(options);
  return answers_in_order<std::vector<std::vector<float>>>(
      *this, inputs, batch_size, embedding_order(pipeline),
      [&](const TextBatch& batch) { return embed_batch(batch, options, pipeline); });
}

std::vector<std::vector<FilledMask>> TextModel::fill_mask(std::span<const TextInput> inputs, int64_t top_k,
                                                          size_t batch_size) const {
  if (top_k < 1) throw Error("top_k must be at least 1, not " + std::to_string(top_k));
  return answers_in_order<std::vector<FilledMask>>(*this, inputs, batch_size, BatchOrder::as_given,
                                                   [&](const TextBatch& batch) { return fill_mask_batch(batch, top_k); });
}

std::vector<ClassScores> TextModel::classify(std::span<const TextInput> inputs, size_t batch_size) const {
  return answers_in_order<ClassScores>(*this, inputs, batch_size, classify_order(),
                                       [&](const TextBatch& batch) { return classify_batch(batch); });
}

}  // namespace ufb

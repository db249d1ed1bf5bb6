#include "inference_answers.h"

#include <algorithm>
#include <numeric>
#include <nlohmann/json.hpp>

#include "../model_session.h"
#include "ufb/model/sentence_embedding.h"
#include "ufb/error.h"

namespace ufb::serve {
namespace {

using nlohmann::json;

Reply json_reply(const json& value) { return {200, value.dump(-1, ' ', false, json::error_handler_t::replace)}; }

template <typename Request, typename Answer>
Reply answer_parsed(Parsed<Request> parsed, Answer answer) {
  if (const ApiError* error = std::get_if<ApiError>(&parsed)) return error_reply(*error);
  return answer(std::get<Request>(parsed));
}

std::vector<model::TokenIds> ids_of(std::vector<tokenizer::Encoding>& encodings) {
  std::vector<model::TokenIds> ids;
  for (tokenizer::Encoding& encoding : encodings) ids.push_back(std::move(encoding.ids));
  return ids;
}

std::vector<model::TokenIds> types_of(std::vector<tokenizer::Encoding>& encodings) {
  std::vector<model::TokenIds> types;
  for (tokenizer::Encoding& encoding : encodings) types.push_back(std::move(encoding.type_ids));
  return types;
}

// Every fill-mask input needs a mask token (truncation may have cut it off).
std::optional<ApiError> find_unmasked_input(const tokenizer::Tokenizer& tokenizer, std::span<const model::TokenIds> ids) {
  const int32_t mask_id = *tokenizer.mask_token_id();
  for (size_t i = 0; i < ids.size(); ++i) {
    if (std::find(ids[i].begin(), ids[i].end(), mask_id) == ids[i].end()) {
      return invalid_request("input " + std::to_string(i + 1) + " has no " + std::string(tokenizer.id_to_token(mask_id)) +
                             " token");
    }
  }
  return std::nullopt;
}

// Tokenizes and runs the inputs; `shape` turns the results into the answer.
template <typename Shape>
Reply run_inputs(const ServerState& state, std::span<const cli::TextInput> inputs, bool truncate, Task task,
                 int64_t top_k, Shape shape) {
  auto encoded = state.encoder.encode(inputs, truncate ? LengthPolicy::truncate : LengthPolicy::refuse);
  if (const ApiError* error = std::get_if<ApiError>(&encoded)) return error_reply(*error);
  std::vector<model::TokenIds> types = types_of(std::get<std::vector<tokenizer::Encoding>>(encoded));
  std::vector<model::TokenIds> ids = ids_of(std::get<std::vector<tokenizer::Encoding>>(encoded));
  if (task == Task::fill_mask) {
    if (auto error = find_unmasked_input(state.encoder.tokenizer(), ids)) return error_reply(*error);
  }
  const std::vector<model::TokenIds> kept_ids = task == Task::fill_mask ? ids : std::vector<model::TokenIds>{};
  std::vector<InputResult> results;
  try {
    results = state.batcher.run(task, top_k, std::move(ids), std::move(types));
  } catch (const Error& error) {
    // TEI's answer when its backend fails on inputs that passed validation.
    return error_reply(ApiError{424, "Backend", error.what()});
  }
  return shape(results, kept_ids);
}

std::optional<ApiError> require_head(const ServerState& state, io::ModelHead head, const char* route) {
  const io::ModelHead served = state.model.checkpoint().head();
  if (served == head) return std::nullopt;
  const auto describe = [](io::ModelHead kind) {
    switch (kind) {
      case io::ModelHead::kMaskedLm: return "a masked-LM";
      case io::ModelHead::kClassification: return "a classification";
      case io::ModelHead::kNone: return "an embedding";
    }
    return "?";
  };
  return ApiError{400, "Validation",
                  std::string(route) + " needs " + describe(head) + " model, and this server runs " +
                      describe(served) + " model"};
}

json label_scores(const ClassScores& scores, bool raw_scores, const std::vector<std::string>& labels) {
  const std::vector<float>& values = raw_scores || scores.probabilities.empty() ? scores.logits : scores.probabilities;
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] > values[b]; });
  json list = json::array();
  for (const size_t label : order) list.push_back({{"label", labels.at(label)}, {"score", values[label]}});
  return list;
}

json mask_answer(const MaskPredictions& masks, const model::TokenIds& ids, int32_t mask_id,
                 const tokenizer::Tokenizer& tokenizer) {
  json answer = json::array();
  size_t next = 0;
  for (size_t position = 0; position < ids.size(); ++position) {
    if (ids[position] != mask_id) continue;
    json candidates = json::array();
    for (const model::TokenPrediction& p : masks.at(next++)) {
      candidates.push_back({{"token", cli::token_text(tokenizer, p.token_id)}, {"id", p.token_id}, {"probability", p.probability}});
    }
    answer.push_back({{"position", position}, {"predictions", candidates}});
  }
  return json{{"masks", answer}};
}

}  // namespace

Reply error_reply(const ApiError& error) { return {error.status, error_body(error)}; }

Reply answer_embed(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_embed_request(body, state.body_limits), [&](const EmbedRequest& request) {
    return run_inputs(state, request.inputs, request.truncate, Task::embed, 0,
                      [&](std::vector<InputResult>& results, const auto&) {
                        json vectors = json::array();
                        for (InputResult& result : results) {
                          std::vector<float>& vector = std::get<std::vector<float>>(result);
                          if (request.normalize) model::normalize_to_unit_length(vector);
                          vectors.push_back(vector);
                        }
                        return json_reply(vectors);
                      });
  });
}

Reply answer_predict(std::string_view body, const ServerState& state) {
  if (auto error = require_head(state, io::ModelHead::kClassification, "/predict")) return error_reply(*error);
  return answer_parsed(parse_predict_request(body, state.body_limits), [&](const PredictRequest& request) {
    return run_inputs(state, request.inputs, request.truncate, Task::classify, 0,
                      [&](std::vector<InputResult>& results, const auto&) {
                        json answers = json::array();
                        for (const InputResult& result : results) {
                          answers.push_back(label_scores(std::get<ClassScores>(result), request.raw_scores, state.settings.labels));
                        }
                        return json_reply(request.batched ? answers : answers.at(0));
                      });
  });
}

Reply answer_tokenize(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_tokenize_request(body, state.body_limits), [&](const TokenizeRequest& request) {
    auto encoded = state.encoder.encode(request.inputs, LengthPolicy::unlimited);
    if (const ApiError* error = std::get_if<ApiError>(&encoded)) return error_reply(*error);
    json answers = json::array();
    for (const tokenizer::Encoding& encoding : std::get<std::vector<tokenizer::Encoding>>(encoded)) {
      json tokens = json::array();
      for (size_t i = 0; i < encoding.size(); ++i) tokens.push_back({{"id", encoding.ids[i]}, {"text", encoding.tokens[i]}});
      answers.push_back(tokens);
    }
    return json_reply(answers);
  });
}

Reply answer_fill_mask(std::string_view body, const ServerState& state) {
  if (auto error = require_head(state, io::ModelHead::kMaskedLm, "/fill-mask")) return error_reply(*error);
  const tokenizer::Tokenizer& tokenizer = state.encoder.tokenizer();
  const std::optional<int32_t> mask_id = tokenizer.mask_token_id();
  if (!mask_id) return error_reply(ApiError{400, "Validation", "the tokenizer defines no mask token"});
  return answer_parsed(parse_fill_mask_request(body, state.body_limits), [&](const FillMaskRequest& request) {
    return run_inputs(state, request.inputs, request.truncate, Task::fill_mask, request.top_k,
                      [&](std::vector<InputResult>& results, const std::vector<model::TokenIds>& ids) {
                        json answers = json::array();
                        for (size_t i = 0; i < results.size(); ++i) {
                          answers.push_back(mask_answer(std::get<MaskPredictions>(results[i]), ids[i], *mask_id, tokenizer));
                        }
                        return json_reply(request.batched ? answers : answers.at(0));
                      });
  });
}

Reply answer_info(const ServerState& state) {
  const ServerSettings& settings = state.settings;
  json model_type;
  if (state.model.checkpoint().head() == io::ModelHead::kClassification) {
    json id2label = json::object();
    json label2id = json::object();
    for (size_t i = 0; i < settings.labels.size(); ++i) {
      id2label[std::to_string(i)] = settings.labels[i];
      label2id[settings.labels[i]] = i;
    }
    model_type = {{"classifier", {{"id2label", id2label}, {"label2id", label2id}}}};
  } else if (state.model.checkpoint().head() == io::ModelHead::kMaskedLm) {
    model_type = {{"masked_lm", {{"pooling", settings.pooling}}}};
  } else {
    model_type = {{"embedding", {{"pooling", settings.pooling}}}};  // TEI's name for encoders
  }
  return json_reply({{"model_id", settings.model_id},
                     {"model_dtype", settings.dtype},
                     {"model_type", model_type},
                     {"embedding_pooling", settings.pooling},
                     {"max_concurrent_requests", settings.max_concurrent_requests},
                     {"max_input_length", settings.max_input_length},
                     {"max_batch_tokens", settings.max_batch_tokens},
                     {"max_client_batch_size", settings.max_client_batch_size},
                     {"payload_limit", settings.payload_limit_bytes},
                     {"auth_required", !settings.api_key.empty()},
                     {"version", "0.1.0"}});
}

}  // namespace ufb::serve

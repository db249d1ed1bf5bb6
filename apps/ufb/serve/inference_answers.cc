#include "inference_answers.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <nlohmann/json.hpp>

#include "../model_session.h"
#include "request_tokens.h"
#include "ufb/model/sentence_embedding.h"
#include "ufb/error.h"
#include "ufb/text_model.h"

namespace ufb::serve {
namespace {

using nlohmann::json;

Reply json_reply(const json& value) { return {200, value.dump(-1, ' ', false, json::error_handler_t::replace)}; }

template <typename Request, typename Answer>
Reply answer_parsed(Parsed<Request> parsed, Answer answer) {
  if (const ApiError* error = std::get_if<ApiError>(&parsed)) return error_reply(*error);
  return answer(std::get<Request>(parsed));
}

// The vector of a BatchTask::embed result.
std::vector<float>& pooled(BatchResult& result) { return std::get<TokenVectors>(result).at(0); }

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

// Runs encoded inputs through the batcher; `shape(results, ids)` turns the results into the
// answer (ids: the inputs' token ids, kept only for fill_mask; empty otherwise).
template <typename Shape>
Reply run_ids(const ServerState& state, BatchTask task, int64_t top_k, std::vector<model::TokenIds> ids,
              std::vector<model::TokenIds> types, Shape shape) {
  if (task == BatchTask::fill_mask) {
    if (auto error = find_unmasked_input(state.text_model.tokenizer(), ids)) return error_reply(*error);
  }
  const std::vector<model::TokenIds> kept_ids = task == BatchTask::fill_mask ? ids : std::vector<model::TokenIds>{};
  std::vector<BatchResult> results;
  try {
    results = state.batcher.run(task, top_k, std::move(ids), std::move(types));
  } catch (const Error& error) {
    // TEI's answer when its backend fails on inputs that passed validation.
    return error_reply(ApiError{424, "Backend", error.what()});
  }
  return shape(results, kept_ids);
}

// Tokenizes and runs the inputs; `shape` turns the results into the answer.
template <typename Shape>
Reply run_inputs(const ServerState& state, std::span<const cli::TextInput> inputs, bool truncate, BatchTask task,
                 int64_t top_k, Shape shape) {
  auto encoded = tokenize_request(state, inputs, truncate ? LengthPolicy::truncate : LengthPolicy::refuse);
  if (const ApiError* error = std::get_if<ApiError>(&encoded)) return error_reply(*error);
  std::vector<model::TokenIds> types = types_of(std::get<std::vector<tokenizer::Encoding>>(encoded));
  std::vector<model::TokenIds> ids = ids_of(std::get<std::vector<tokenizer::Encoding>>(encoded));
  return run_ids(state, task, top_k, std::move(ids), std::move(types), shape);
}

// Prefixes each input with the named prompt (or the model's default prompt when none is named).
std::optional<ApiError> apply_prompt(const ServerState& state, const std::optional<std::string>& prompt_name,
                                     std::vector<cli::TextInput>& inputs) {
  const std::string name = prompt_name.value_or(state.settings.default_prompt_name);
  if (name.empty()) return std::nullopt;
  const auto prompt = state.settings.prompts.find(name);
  if (prompt == state.settings.prompts.end()) {
    std::string known;
    for (const auto& [key, text] : state.settings.prompts) known += (known.empty() ? "" : ", ") + key;
    return invalid_request("`prompt_name` \"" + name + "\" is not a prompt of this model (" +
                           (known.empty() ? std::string("it has none") : "its prompts: " + known) +
                           ", from config_sentence_transformers.json)");
  }
  for (cli::TextInput& input : inputs) input.text = prompt->second + input.text;
  return std::nullopt;
}

// Matryoshka: keeps the first `dimensions` values (all when unset), then normalizes if asked.
std::optional<ApiError> shape_embedding(std::vector<float>& vector, std::optional<int64_t> dimensions, bool normalize) {
  if (dimensions) {
    if (static_cast<size_t>(*dimensions) > vector.size()) {
      return invalid_request("`dimensions` " + std::to_string(*dimensions) + " is larger than the model's embedding size " +
                             std::to_string(vector.size()));
    }
    vector.resize(static_cast<size_t>(*dimensions));
  }
  if (normalize) model::normalize_to_unit_length(vector);
  return std::nullopt;
}

float cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, norm_a = 0, norm_b = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += double(a[i]) * b[i];
    norm_a += double(a[i]) * a[i];
    norm_b += double(b[i]) * b[i];
  }
  if (norm_a == 0 || norm_b == 0) return 0.0f;
  return static_cast<float>(dot / (std::sqrt(norm_a) * std::sqrt(norm_b)));
}

std::optional<ApiError> require_head(const ServerState& state, io::ModelHead head, const char* route) {
  const io::ModelHead served = state.text_model.model().checkpoint().head();
  if (served == head) return std::nullopt;
  return ApiError{400, "Validation",
                  std::string(route) + " needs " + std::string(io::describe(head)) + ", and this server runs " +
                      std::string(io::describe(served))};
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

json mask_answer(const std::vector<FilledMask>& masks, const tokenizer::Tokenizer& tokenizer) {
  json answer = json::array();
  for (const FilledMask& mask : masks) {
    json candidates = json::array();
    for (const model::TokenPrediction& p : mask.predictions) {
      candidates.push_back({{"token", token_text(tokenizer, p.token_id)}, {"id", p.token_id}, {"probability", p.probability}});
    }
    answer.push_back({{"position", mask.position}, {"predictions", candidates}});
  }
  return json{{"masks", answer}};
}

}  // namespace

Reply error_reply(const ApiError& error) { return {error.status, error_body(error)}; }

Reply answer_embed(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_embed_request(body, state.body_limits), [&](EmbedRequest& request) {
    if (auto error = apply_prompt(state, request.prompt_name, request.inputs)) return error_reply(*error);
    return run_inputs(state, request.inputs, request.truncate, BatchTask::embed, 0,
                      [&](std::vector<BatchResult>& results, const auto&) {
                        json vectors = json::array();
                        for (BatchResult& result : results) {
                          std::vector<float>& vector = pooled(result);
                          if (auto error = shape_embedding(vector, request.dimensions, request.normalize)) {
                            return error_reply(*error);
                          }
                          vectors.push_back(vector);
                        }
                        return json_reply(vectors);
                      });
  });
}

Reply answer_predict(std::string_view body, const ServerState& state) {
  if (auto error = require_head(state, io::ModelHead::kClassification, "/predict")) return error_reply(*error);
  return answer_parsed(parse_predict_request(body, state.body_limits), [&](const PredictRequest& request) {
    return run_inputs(state, request.inputs, request.truncate, BatchTask::classify, 0,
                      [&](std::vector<BatchResult>& results, const auto&) {
                        json answers = json::array();
                        for (const BatchResult& result : results) {
                          answers.push_back(label_scores(std::get<ClassScores>(result), request.raw_scores, state.settings.labels));
                        }
                        return json_reply(request.batched ? answers : answers.at(0));
                      });
  });
}

Reply answer_tokenize(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_tokenize_request(body, state.body_limits), [&](TokenizeRequest& request) {
    if (auto error = apply_prompt(state, request.prompt_name, request.inputs)) return error_reply(*error);
    const tokenizer::Tokenizer& tokenizer = state.text_model.tokenizer();
    std::vector<tokenizer::Encoding> encodings;
    if (request.add_special_tokens) {
      auto encoded = tokenize_request(state, request.inputs, LengthPolicy::unlimited);
      if (const ApiError* error = std::get_if<ApiError>(&encoded)) return error_reply(*error);
      encodings = std::move(std::get<std::vector<tokenizer::Encoding>>(encoded));
    } else {
      for (size_t i = 0; i < request.inputs.size(); ++i) {
        try {
          encodings.push_back(tokenizer.encode_without_special_tokens(request.inputs[i].text));
        } catch (const Error& error) {
          return error_reply(ApiError{422, "Tokenizer", "input " + std::to_string(i + 1) + ": " + error.what()});
        }
      }
    }
    json answers = json::array();
    for (size_t input = 0; input < encodings.size(); ++input) {
      const tokenizer::Encoding& encoding = encodings[input];
      const std::string_view text = request.inputs[input].text;
      json tokens = json::array();
      for (size_t i = 0; i < encoding.size(); ++i) {
        // As TEI: a special token the post-processor added (tokenizers' special tokens mask: a
        // special token with no place in the input) has its own text and null offsets; any other
        // token, a [MASK] typed in the text included, the input's bytes it came from.
        const auto [start, stop] = encoding.offsets[i];
        if (tokenizer.is_special_token(encoding.ids[i]) && stop == 0) {
          tokens.push_back({{"id", encoding.ids[i]},
                            {"text", encoding.tokens[i]},
                            {"special", true},
                            {"start", nullptr},
                            {"stop", nullptr}});
          continue;
        }
        tokens.push_back({{"id", encoding.ids[i]},
                          {"text", text.substr(start, stop - start)},
                          {"special", false},
                          {"start", start},
                          {"stop", stop}});
      }
      answers.push_back(tokens);
    }
    return json_reply(answers);
  });
}

Reply answer_fill_mask(std::string_view body, const ServerState& state) {
  if (auto error = require_head(state, io::ModelHead::kMaskedLm, "/fill-mask")) return error_reply(*error);
  const tokenizer::Tokenizer& tokenizer = state.text_model.tokenizer();
  const std::optional<int32_t> mask_id = tokenizer.mask_token_id();
  if (!mask_id) return error_reply(ApiError{400, "Validation", "the tokenizer defines no mask token"});
  return answer_parsed(parse_fill_mask_request(body, state.body_limits), [&](const FillMaskRequest& request) {
    return run_inputs(state, request.inputs, request.truncate, BatchTask::fill_mask, request.top_k,
                      [&](std::vector<BatchResult>& results, const auto&) {
                        json answers = json::array();
                        for (const BatchResult& result : results) {
                          answers.push_back(mask_answer(std::get<std::vector<FilledMask>>(result), tokenizer));
                        }
                        return json_reply(request.batched ? answers : answers.at(0));
                      });
  });
}

Reply answer_info(const ServerState& state) {
  const ServerSettings& settings = state.settings;
  json model_type;
  if (state.text_model.model().checkpoint().head() == io::ModelHead::kClassification) {
    json id2label = json::object();
    json label2id = json::object();
    for (size_t i = 0; i < settings.labels.size(); ++i) {
      id2label[std::to_string(i)] = settings.labels[i];
      label2id[settings.labels[i]] = i;
    }
    model_type = {{"classifier", {{"id2label", id2label}, {"label2id", label2id}}}};
  } else if (state.text_model.model().checkpoint().head() == io::ModelHead::kMaskedLm) {
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
                     {"weight_bytes", state.text_model.model().weight_bytes()},
                     {"max_client_batch_size", settings.max_client_batch_size},
                     {"payload_limit", settings.payload_limit_bytes},
                     {"auth_required", !settings.api_key.empty()},
                     {"version", "0.1.0"}});
}

Reply answer_embed_all(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_embed_request(body, state.body_limits), [&](EmbedRequest& request) {
    if (auto error = apply_prompt(state, request.prompt_name, request.inputs)) return error_reply(*error);
    return run_inputs(state, request.inputs, request.truncate, BatchTask::embed_all, 0,
                      [&](std::vector<BatchResult>& results, const auto&) {
                        json answers = json::array();
                        for (const BatchResult& result : results) {
                          answers.push_back(std::get<TokenVectors>(result));
                        }
                        return json_reply(answers);
                      });
  });
}

Reply answer_embed_sparse(std::string_view body, const ServerState& state) {
  if (auto error = require_head(state, io::ModelHead::kMaskedLm, "/embed_sparse")) return error_reply(*error);
  return answer_parsed(parse_embed_request(body, state.body_limits), [&](EmbedRequest& request) {
    if (auto error = apply_prompt(state, request.prompt_name, request.inputs)) return error_reply(*error);
    return run_inputs(state, request.inputs, request.truncate, BatchTask::embed_sparse, 0,
                      [&](std::vector<BatchResult>& results, const auto&) {
                        json answers = json::array();
                        for (const BatchResult& result : results) {
                          const SparseEmbedding& sparse = std::get<SparseEmbedding>(result);
                          json values = json::array();
                          for (size_t i = 0; i < sparse.indices.size(); ++i) {
                            values.push_back({{"index", sparse.indices[i]}, {"value", sparse.values[i]}});
                          }
                          answers.push_back(std::move(values));
                        }
                        return json_reply(answers);
                      });
  });
}

Reply answer_similarity(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_similarity_request(body, state.body_limits), [&](SimilarityRequest& request) {
    std::vector<cli::TextInput> inputs{{request.source_sentence, std::nullopt}};
    for (std::string& sentence : request.sentences) inputs.push_back({std::move(sentence), std::nullopt});
    if (auto error = apply_prompt(state, request.prompt_name, inputs)) return error_reply(*error);
    return run_inputs(state, inputs, request.truncate, BatchTask::embed, 0, [&](std::vector<BatchResult>& results, const auto&) {
      const std::vector<float>& source = pooled(results.at(0));
      json scores = json::array();
      for (size_t i = 1; i < results.size(); ++i) scores.push_back(cosine(source, pooled(results[i])));
      return json_reply(scores);
    });
  });
}

Reply answer_rerank(std::string_view body, const ServerState& state) {
  if (auto error = require_head(state, io::ModelHead::kClassification, "/rerank")) return error_reply(*error);
  if (state.settings.labels.size() != 1) {
    return error_reply(ApiError{400, "Validation", "/rerank needs a cross-encoder: a classification model with one label, "
                                                   "and this one has " + std::to_string(state.settings.labels.size())});
  }
  return answer_parsed(parse_rerank_request(body, state.body_limits), [&](const RerankRequest& request) {
    std::vector<cli::TextInput> pairs;
    for (const std::string& text : request.texts) pairs.push_back({request.query, text});
    return run_inputs(state, pairs, request.truncate, BatchTask::classify, 0, [&](std::vector<BatchResult>& results, const auto&) {
      std::vector<std::pair<size_t, float>> ranked;
      for (size_t i = 0; i < results.size(); ++i) {
        const float logit = std::get<ClassScores>(results[i]).logits.at(0);
        ranked.emplace_back(i, request.raw_scores ? logit : 1.0f / (1.0f + std::exp(-logit)));
      }
      std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
      json answer = json::array();
      for (const auto& [index, score] : ranked) {
        json item = {{"index", index}, {"score", score}};
        if (request.return_text) item["text"] = request.texts[index];
        answer.push_back(std::move(item));
      }
      return json_reply(answer);
    });
  });
}

Reply answer_decode(std::string_view body, const ServerState& state) {
  return answer_parsed(parse_decode_request(body, state.body_limits), [&](const DecodeRequest& request) {
    const tokenizer::Tokenizer& tokenizer = state.text_model.tokenizer();
    json texts = json::array();
    for (size_t i = 0; i < request.ids.size(); ++i) {
      for (const int32_t id : request.ids[i]) {
        if (static_cast<size_t>(id) >= tokenizer.vocab_size()) {
          return error_reply(invalid_request("input " + std::to_string(i + 1) + ": token id " + std::to_string(id) +
                                             " is outside the vocabulary (" + std::to_string(tokenizer.vocab_size()) +
                                             " ids)"));
        }
      }
      texts.push_back(tokenizer.decode(request.ids[i], request.skip_special_tokens));
    }
    return json_reply(texts);
  });
}

namespace {

// fill-mask in the shape of the Hugging Face pipeline (and Inference API): per mask,
// [{"score", "token", "token_str", "sequence"}] best first; one input with one mask answers that
// list alone, one input with several masks a list per mask, a batch a list per input of those.
Reply answer_pipeline_fill_mask(std::string_view body, const ServerState& state) {
  const tokenizer::Tokenizer& tokenizer = state.text_model.tokenizer();
  const std::optional<int32_t> mask_id = tokenizer.mask_token_id();
  if (!mask_id) return error_reply(ApiError{400, "Validation", "the tokenizer defines no mask token"});
  return answer_parsed(parse_fill_mask_request(body, state.body_limits), [&](const FillMaskRequest& request) {
    return run_inputs(state, request.inputs, request.truncate, BatchTask::fill_mask, request.top_k,
                      [&](std::vector<BatchResult>& results, const std::vector<model::TokenIds>& ids) {
                        json answers = json::array();
                        for (size_t i = 0; i < results.size(); ++i) {
                          json per_mask = json::array();
                          for (const FilledMask& mask : std::get<std::vector<FilledMask>>(results[i])) {
                            json candidates = json::array();
                            for (const model::TokenPrediction& p : mask.predictions) {
                              model::TokenIds filled = ids[i];
                              filled[static_cast<size_t>(mask.position)] = p.token_id;
                              const int32_t token = p.token_id;
                              candidates.push_back({{"score", p.probability},
                                                    {"token", token},
                                                    {"token_str", tokenizer.decode(std::span<const int32_t>(&token, 1), false)},
                                                    {"sequence", tokenizer.decode(filled, true)}});
                            }
                            per_mask.push_back(std::move(candidates));
                          }
                          answers.push_back(per_mask.size() == 1 ? per_mask.at(0) : per_mask);
                        }
                        return json_reply(request.batched ? answers : answers.at(0));
                      });
  });
}

}  // namespace

Reply answer_compat(std::string_view body, const ServerState& state) {
  const CompatBody kind = classify_compat_body(body, state.body_limits);
  switch (state.text_model.model().checkpoint().head()) {
    case io::ModelHead::kClassification:
      return kind == CompatBody::rerank ? answer_rerank(body, state) : answer_predict(body, state);
    case io::ModelHead::kMaskedLm: return answer_pipeline_fill_mask(body, state);
    case io::ModelHead::kNone: return kind == CompatBody::similarity ? answer_similarity(body, state) : answer_embed(body, state);
  }
  return answer_embed(body, state);
}

namespace {

std::string base64_of(std::span<const float> values) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<unsigned char> bytes(values.size() * sizeof(float));
  for (size_t i = 0; i < values.size(); ++i) {  // little-endian float32, as OpenAI sends them
    uint32_t bits = 0;
    std::memcpy(&bits, &values[i], sizeof bits);
    for (size_t b = 0; b < 4; ++b) bytes[i * 4 + b] = static_cast<unsigned char>(bits >> (8 * b));
  }
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    const uint32_t chunk = (uint32_t{bytes[i]} << 16) | (i + 1 < bytes.size() ? uint32_t{bytes[i + 1]} << 8 : 0) |
                           (i + 2 < bytes.size() ? uint32_t{bytes[i + 2]} : 0);
    text += kAlphabet[(chunk >> 18) & 63];
    text += kAlphabet[(chunk >> 12) & 63];
    text += i + 1 < bytes.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    text += i + 2 < bytes.size() ? kAlphabet[chunk & 63] : '=';
  }
  return text;
}

// The route's errors, whichever produced them, reshaped as OpenAI's.
Reply as_openai(Reply reply) {
  if (reply.status < 400) return reply;
  const json tei = json::parse(reply.body, nullptr, false);
  if (tei.is_discarded() || !tei.is_object()) return reply;
  return openai_error_reply(ApiError{reply.status, tei.value("error_type", ""), tei.value("error", "")});
}

}  // namespace

Reply openai_error_reply(const ApiError& error) {
  const json body = {{"error",
                      {{"message", error.message},
                       {"type", error.status >= 500 ? "server_error" : "invalid_request_error"},
                       {"param", nullptr},
                       {"code", error.error_type.empty() ? json(nullptr) : json(error.error_type)}}}};
  return {error.status, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

Reply answer_openai_embeddings(std::string_view body, const ServerState& state) {
  auto parsed = parse_openai_embeddings_request(body, state.body_limits);
  if (const ApiError* error = std::get_if<ApiError>(&parsed)) return openai_error_reply(*error);
  const OpenAiEmbeddingsRequest& request = std::get<OpenAiEmbeddingsRequest>(parsed);
  std::vector<model::TokenIds> ids, types;
  if (!request.texts.empty()) {
    auto encoded = tokenize_request(state, request.texts, LengthPolicy::refuse);
    if (const ApiError* error = std::get_if<ApiError>(&encoded)) return openai_error_reply(*error);
    types = types_of(std::get<std::vector<tokenizer::Encoding>>(encoded));
    ids = ids_of(std::get<std::vector<tokenizer::Encoding>>(encoded));
  } else {
    const size_t vocab = static_cast<size_t>(state.text_model.model().config().embedding.vocab_size);
    for (size_t i = 0; i < request.token_ids.size(); ++i) {
      const std::vector<int32_t>& input = request.token_ids[i];
      for (const int32_t id : input) {
        if (static_cast<size_t>(id) >= vocab) {
          return openai_error_reply(invalid_request("input " + std::to_string(i + 1) + ": token id " + std::to_string(id) +
                                                    " is outside the model's vocabulary (" + std::to_string(vocab) + " ids)"));
        }
      }
      if (input.size() > state.settings.max_input_length) {
        return openai_error_reply(too_large("input " + std::to_string(i + 1) + " has " + std::to_string(input.size()) +
                                            " tokens, more than the maximum input length " +
                                            std::to_string(state.settings.max_input_length)));
      }
      ids.emplace_back(input.begin(), input.end());
      types.emplace_back(input.size(), 0);
    }
  }
  size_t tokens = 0;
  for (const model::TokenIds& input : ids) tokens += input.size();
  return as_openai(run_ids(state, BatchTask::embed, 0, std::move(ids), std::move(types),
                           [&](std::vector<BatchResult>& results, const auto&) {
                             json data = json::array();
                             for (size_t i = 0; i < results.size(); ++i) {
                               std::vector<float>& vector = pooled(results[i]);
                               if (auto error = shape_embedding(vector, request.dimensions, true)) return error_reply(*error);
                               data.push_back({{"object", "embedding"},
                                               {"index", i},
                                               {"embedding", request.base64 ? json(base64_of(vector)) : json(vector)}});
                             }
                             return json_reply({{"object", "list"},
                                                {"data", data},
                                                {"model", request.model.empty() ? state.settings.model_id : request.model},
                                                {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}});
                           }));
}

Reply answer_openai_models(const ServerState& state) {
  return json_reply({{"object", "list"},
                     {"data", json::array({{{"id", state.settings.model_id},
                                            {"object", "model"},
                                            {"created", 0},
                                            {"owned_by", "ufb"}}})}});
}

}  // namespace ufb::serve

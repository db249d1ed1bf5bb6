#include "request_parsing.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <string>

namespace ufb::serve {
namespace {

using nlohmann::json;

// Carries the answer out of the nested readers below; never leaves this file.
struct Rejected {
  ApiError error;
};

struct TooDeep {};

std::string describe_parse_error(const json::parse_error& error) {
  const std::string what = error.what();
  if (what.find("UTF-8") != std::string::npos || what.find("surrogate") != std::string::npos) {
    return "the request body is not valid UTF-8 JSON text (near byte " + std::to_string(error.byte) +
           "): send text as UTF-8";
  }
  // "[json.exception.parse_error.101] parse error at line 1, column 5: ..." without the tag.
  const size_t tag_end = what.find("] ");
  return "malformed JSON: " + (tag_end == std::string::npos ? what : what.substr(tag_end + 2));
}

json parse_object(std::string_view body, const BodyLimits& limits) {
  if (body.empty()) throw Rejected{invalid_request("the request body is empty: expected a JSON object")};
  // nlohmann's parser itself is iterative, but a hostile body of 100000 '[' would still build as
  // many nested values: refuse at the first level no route needs.
  const json::parser_callback_t limit_depth = [&limits](int depth, json::parse_event_t, json&) {
    if (depth > limits.max_json_depth) throw TooDeep{};
    return true;
  };
  json root;
  try {
    root = json::parse(body.begin(), body.end(), limit_depth);
  } catch (const TooDeep&) {
    throw Rejected{invalid_request("JSON nested deeper than " + std::to_string(limits.max_json_depth) +
                                   " levels: no route takes such a body")};
  } catch (const json::parse_error& error) {
    throw Rejected{invalid_request(describe_parse_error(error))};
  }
  if (!root.is_object()) {
    throw Rejected{invalid_request(std::string("expected a JSON object, got ") + root.type_name())};
  }
  return root;
}

bool optional_bool(const json& body, const char* key, bool fallback) {
  const auto field = body.find(key);
  if (field == body.end() || field->is_null()) return fallback;
  if (!field->is_boolean()) {
    throw Rejected{invalid_request(std::string("`") + key + "` must be a boolean, got " + field->type_name())};
  }
  return field->get<bool>();
}

int64_t optional_top_k(const json& body, int64_t fallback) {
  const auto field = body.find("top_k");
  if (field == body.end() || field->is_null()) return fallback;
  const bool in_range = field->is_number_integer() && field->get<int64_t>() >= 1 && field->get<int64_t>() <= kMaxTopK &&
                        !(field->is_number_unsigned() && field->get<uint64_t>() > static_cast<uint64_t>(kMaxTopK));
  if (!in_range) {
    throw Rejected{invalid_request("`top_k` must be an integer from 1 to " + std::to_string(kMaxTopK) + ", got " +
                                   field->dump(-1, ' ', false, json::error_handler_t::replace))};
  }
  return field->get<int64_t>();
}

const json& required_inputs(const json& body) {
  const auto field = body.find("inputs");
  if (field == body.end()) throw Rejected{invalid_request("missing field `inputs`")};
  return *field;
}

bool is_text_pair(const json& value) {
  return value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_string();
}

void check_batch_size(const json& inputs, const BodyLimits& limits) {
  if (inputs.empty()) throw Rejected{empty_request("`inputs` cannot be empty")};
  if (inputs.size() > limits.max_client_batch_size) {
    throw Rejected{too_large("batch size " + std::to_string(inputs.size()) + " > maximum allowed batch size " +
                             std::to_string(limits.max_client_batch_size))};
  }
}

// inputs: str | [str].
std::vector<cli::TextInput> read_texts(const json& inputs, const BodyLimits& limits, bool& batched) {
  if (inputs.is_string()) {
    batched = false;
    return {cli::TextInput{inputs.get<std::string>(), std::nullopt}};
  }
  if (!inputs.is_array()) {
    throw Rejected{invalid_request(std::string("`inputs` must be a string or an array of strings, got ") + inputs.type_name())};
  }
  check_batch_size(inputs, limits);
  batched = true;
  std::vector<cli::TextInput> texts;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].is_string()) {
      throw Rejected{invalid_request("`inputs[" + std::to_string(i) + "]` must be a string, got " + inputs[i].type_name())};
    }
    texts.push_back({inputs[i].get<std::string>(), std::nullopt});
  }
  return texts;
}

cli::TextInput read_sequence(const json& value, size_t index) {
  if (value.is_string()) return {value.get<std::string>(), std::nullopt};
  if (is_text_pair(value)) return {value[0].get<std::string>(), value[1].get<std::string>()};
  throw Rejected{invalid_request("`inputs[" + std::to_string(index) +
                                 "]` must be a string or a [text, text_pair] array of two strings")};
}

// inputs: str | [str, str] | [str | [str, str]] (TEI's untagged PredictInput).
std::vector<cli::TextInput> read_sequences(const json& inputs, const BodyLimits& limits, bool& batched) {
  batched = false;
  if (inputs.is_string() || is_text_pair(inputs)) return {read_sequence(inputs, 0)};
  if (!inputs.is_array()) {
    throw Rejected{invalid_request(std::string("`inputs` must be a string, a [text, text_pair] pair or an array of them, got ") +
                                   inputs.type_name())};
  }
  check_batch_size(inputs, limits);
  batched = true;
  std::vector<cli::TextInput> sequences;
  for (size_t i = 0; i < inputs.size(); ++i) sequences.push_back(read_sequence(inputs[i], i));
  return sequences;
}

template <typename Request, typename Read>
Parsed<Request> parse(std::string_view body, const BodyLimits& limits, Read read) {
  try {
    const json object = parse_object(body, limits);
    Request request;
    read(object, request);
    return request;
  } catch (const Rejected& rejected) {
    return rejected.error;
  }
}

}  // namespace

Parsed<EmbedRequest> parse_embed_request(std::string_view body, const BodyLimits& limits) {
  return parse<EmbedRequest>(body, limits, [&](const json& object, EmbedRequest& request) {
    request.inputs = read_texts(required_inputs(object), limits, request.batched);
    request.normalize = optional_bool(object, "normalize", true);
    request.truncate = optional_bool(object, "truncate", false);
  });
}

Parsed<PredictRequest> parse_predict_request(std::string_view body, const BodyLimits& limits) {
  return parse<PredictRequest>(body, limits, [&](const json& object, PredictRequest& request) {
    request.inputs = read_sequences(required_inputs(object), limits, request.batched);
    request.truncate = optional_bool(object, "truncate", false);
    request.raw_scores = optional_bool(object, "raw_scores", false);
  });
}

Parsed<TokenizeRequest> parse_tokenize_request(std::string_view body, const BodyLimits& limits) {
  return parse<TokenizeRequest>(body, limits, [&](const json& object, TokenizeRequest& request) {
    request.inputs = read_texts(required_inputs(object), limits, request.batched);
  });
}

Parsed<FillMaskRequest> parse_fill_mask_request(std::string_view body, const BodyLimits& limits) {
  return parse<FillMaskRequest>(body, limits, [&](const json& object, FillMaskRequest& request) {
    request.inputs = read_texts(required_inputs(object), limits, request.batched);
    request.top_k = optional_top_k(object, request.top_k);
    request.truncate = optional_bool(object, "truncate", false);
  });
}

}  // namespace ufb::serve

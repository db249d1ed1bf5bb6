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
  } catch (const json::out_of_range&) {
    // A number beyond double's range (1e999): nlohmann throws out_of_range 406, not a parse error.
    throw Rejected{invalid_request("malformed JSON: a number is out of range")};
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

std::string dump(const json& value) { return value.dump(-1, ' ', false, json::error_handler_t::replace); }

std::optional<std::string> optional_string(const json& body, const char* key) {
  const auto field = body.find(key);
  if (field == body.end() || field->is_null()) return std::nullopt;
  if (!field->is_string()) {
    throw Rejected{invalid_request(std::string("`") + key + "` must be a string, got " + field->type_name())};
  }
  return field->get<std::string>();
}

std::optional<int64_t> optional_dimensions(const json& body) {
  const auto field = body.find("dimensions");
  if (field == body.end() || field->is_null()) return std::nullopt;
  const bool in_range =
      field->is_number_integer() &&
      (field->is_number_unsigned()
           ? field->get<uint64_t>() >= 1 && field->get<uint64_t>() <= static_cast<uint64_t>(kMaxDimensions)
           : field->get<int64_t>() >= 1 && field->get<int64_t>() <= kMaxDimensions);
  if (!in_range) throw Rejected{invalid_request("`dimensions` must be a positive integer, got " + dump(*field))};
  return field->get<int64_t>();
}

const json& required_field(const json& body, const char* key) {
  const auto field = body.find(key);
  if (field == body.end()) throw Rejected{invalid_request(std::string("missing field `") + key + "`")};
  return *field;
}

std::string required_string(const json& body, const char* key) {
  const json& field = required_field(body, key);
  if (!field.is_string()) {
    throw Rejected{invalid_request(std::string("`") + key + "` must be a string, got " + field.type_name())};
  }
  return field.get<std::string>();
}

// A non-empty array of strings, within the batch limit (`reserved` places taken by other inputs).
std::vector<std::string> required_strings(const json& body, const char* key, const BodyLimits& limits,
                                          size_t reserved = 0) {
  const json& field = required_field(body, key);
  if (!field.is_array()) {
    throw Rejected{invalid_request(std::string("`") + key + "` must be an array of strings, got " + field.type_name())};
  }
  if (field.empty()) throw Rejected{empty_request(std::string("`") + key + "` cannot be empty")};
  if (field.size() + reserved > limits.max_client_batch_size) {
    throw Rejected{too_large("batch size " + std::to_string(field.size() + reserved) + " > maximum allowed batch size " +
                             std::to_string(limits.max_client_batch_size))};
  }
  std::vector<std::string> texts;
  for (size_t i = 0; i < field.size(); ++i) {
    if (!field[i].is_string()) {
      throw Rejected{invalid_request(std::string("`") + key + "[" + std::to_string(i) + "]` must be a string, got " +
                                     field[i].type_name())};
    }
    texts.push_back(field[i].get<std::string>());
  }
  return texts;
}

// A token id: an integer from 0 to 2^31 - 1 (the vocabulary's bounds are the route's to check).
bool is_token_id(const json& value) {
  return value.is_number_integer() && (value.is_number_unsigned() ? value.get<uint64_t>() <= 0x7fffffffu
                                                                  : value.get<int64_t>() >= 0 && value.get<int64_t>() <= 0x7fffffff);
}

std::vector<int32_t> read_token_ids(const json& value, const std::string& what) {
  if (!value.is_array()) throw Rejected{invalid_request("`" + what + "` must be an array of token ids, got " + value.type_name())};
  if (value.empty()) throw Rejected{empty_request("`" + what + "` cannot be empty")};
  std::vector<int32_t> ids;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!is_token_id(value[i])) {
      throw Rejected{invalid_request("`" + what + "[" + std::to_string(i) + "]` must be a token id (an integer from 0), got " +
                                     dump(value[i]))};
    }
    ids.push_back(static_cast<int32_t>(value[i].get<int64_t>()));
  }
  return ids;
}

const json& required_inputs(const json& body) {
  const auto field = body.find("inputs");
  if (field == body.end()) throw Rejected{invalid_request("missing field `inputs`")};
  return *field;
}

bool is_text_pair(const json& value) {
  return value.is_array() && value.size() == 2 && value[0].is_string() && value[1].is_string();
}

void check_batch_size(const json& inputs, const BodyLimits& limits, const char* key = "inputs") {
  if (inputs.empty()) throw Rejected{empty_request(std::string("`") + key + "` cannot be empty")};
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
    request.dimensions = optional_dimensions(object);
    request.prompt_name = optional_string(object, "prompt_name");
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
    request.add_special_tokens = optional_bool(object, "add_special_tokens", true);
    request.prompt_name = optional_string(object, "prompt_name");
  });
}

Parsed<FillMaskRequest> parse_fill_mask_request(std::string_view body, const BodyLimits& limits) {
  return parse<FillMaskRequest>(body, limits, [&](const json& object, FillMaskRequest& request) {
    request.inputs = read_texts(required_inputs(object), limits, request.batched);
    request.top_k = optional_top_k(object, request.top_k);
    // The Hugging Face Inference API's {"inputs": ..., "parameters": {"top_k": n}} (POST /).
    if (const auto parameters = object.find("parameters"); !object.contains("top_k") && parameters != object.end() &&
                                                           parameters->is_object()) {
      request.top_k = optional_top_k(*parameters, request.top_k);
    }
    request.truncate = optional_bool(object, "truncate", false);
  });
}

Parsed<SimilarityRequest> parse_similarity_request(std::string_view body, const BodyLimits& limits) {
  return parse<SimilarityRequest>(body, limits, [&](const json& object, SimilarityRequest& request) {
    const json& inputs = required_inputs(object);
    if (!inputs.is_object()) {
      throw Rejected{invalid_request(std::string("`inputs` must be an object {\"source_sentence\": str, \"sentences\": [str]}, got ") +
                                     inputs.type_name())};
    }
    request.source_sentence = required_string(inputs, "source_sentence");
    request.sentences = required_strings(inputs, "sentences", limits, 1);
    request.truncate = optional_bool(object, "truncate", false);
    request.prompt_name = optional_string(object, "prompt_name");
  });
}

Parsed<RerankRequest> parse_rerank_request(std::string_view body, const BodyLimits& limits) {
  return parse<RerankRequest>(body, limits, [&](const json& object, RerankRequest& request) {
    request.query = required_string(object, "query");
    request.texts = required_strings(object, "texts", limits);
    request.truncate = optional_bool(object, "truncate", false);
    request.raw_scores = optional_bool(object, "raw_scores", false);
    request.return_text = optional_bool(object, "return_text", false);
  });
}

Parsed<DecodeRequest> parse_decode_request(std::string_view body, const BodyLimits& limits) {
  return parse<DecodeRequest>(body, limits, [&](const json& object, DecodeRequest& request) {
    const json& ids = required_field(object, "ids");
    if (!ids.is_array()) throw Rejected{invalid_request(std::string("`ids` must be an array of token ids or of arrays of them, got ") + ids.type_name())};
    request.batched = !ids.empty() && ids[0].is_array();
    if (!request.batched) {
      request.ids.push_back(read_token_ids(ids, "ids"));
    } else {
      check_batch_size(ids, limits, "ids");
      for (size_t i = 0; i < ids.size(); ++i) request.ids.push_back(read_token_ids(ids[i], "ids[" + std::to_string(i) + "]"));
    }
    request.skip_special_tokens = optional_bool(object, "skip_special_tokens", true);
  });
}

Parsed<OpenAiEmbeddingsRequest> parse_openai_embeddings_request(std::string_view body, const BodyLimits& limits) {
  return parse<OpenAiEmbeddingsRequest>(body, limits, [&](const json& object, OpenAiEmbeddingsRequest& request) {
    const json& input = required_field(object, "input");
    const char* shape = "`input` must be a string, an array of strings, an array of token ids or an array of arrays of token ids";
    if (input.is_string()) {
      request.texts.push_back({input.get<std::string>(), std::nullopt});
    } else if (!input.is_array()) {
      throw Rejected{invalid_request(std::string(shape) + ", got " + input.type_name())};
    } else {
      check_batch_size(input, limits, "input");
      if (input[0].is_string()) {
        for (size_t i = 0; i < input.size(); ++i) {
          if (!input[i].is_string()) {
            throw Rejected{invalid_request("`input[" + std::to_string(i) + "]` must be a string, got " + input[i].type_name())};
          }
          request.texts.push_back({input[i].get<std::string>(), std::nullopt});
        }
      } else if (input[0].is_array()) {
        for (size_t i = 0; i < input.size(); ++i) request.token_ids.push_back(read_token_ids(input[i], "input[" + std::to_string(i) + "]"));
      } else if (input[0].is_number()) {
        request.token_ids.push_back(read_token_ids(input, "input"));
      } else {
        throw Rejected{invalid_request(std::string(shape) + ", got an array of " + input[0].type_name())};
      }
    }
    request.model = optional_string(object, "model").value_or("");
    const std::string format = optional_string(object, "encoding_format").value_or("float");
    if (format != "float" && format != "base64") {
      throw Rejected{invalid_request("`encoding_format` must be \"float\" or \"base64\", got \"" + format + "\"")};
    }
    request.base64 = format == "base64";
    request.dimensions = optional_dimensions(object);
    optional_string(object, "user");
  });
}

CompatBody classify_compat_body(std::string_view body, const BodyLimits& limits) {
  try {
    const json object = parse_object(body, limits);
    const auto inputs = object.find("inputs");
    if (inputs != object.end() && inputs->is_object()) return CompatBody::similarity;
    if (inputs == object.end() && object.contains("query")) return CompatBody::rerank;
  } catch (const Rejected&) {
  }
  return CompatBody::texts;
}

}  // namespace ufb::serve

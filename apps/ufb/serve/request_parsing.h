#pragma once

// The JSON bodies of the server's POST routes, as text-embeddings-inference (TEI) accepts them,
// parsed into typed requests. Pure functions of (body, limits): no model, no I/O, so that tests
// and fuzz targets can drive them with arbitrary bytes. Fields a route does not know are
// ignored, as TEI (serde) ignores them; null means "the default".

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>
#include <vector>

#include "../text_inputs.h"
#include "api_error.h"

namespace ufb::serve {

struct BodyLimits {
  size_t max_client_batch_size = 32;  // inputs per request
  int max_json_depth = 8;             // nesting of arrays and objects; every route needs <= 3
};

// POST /embed: {"inputs": str | [str], "normalize": bool = true, "truncate": bool = false}.
struct EmbedRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;  // inputs was an array: the answer is one vector per input either way
  bool normalize = true;
  bool truncate = false;
};

// POST /predict: {"inputs": str | [str, str] | [str | [str, str]], "truncate": bool = false,
// "raw_scores": bool = false}. As in TEI, a two-string array is one text pair, and any other
// array is a batch whose items are texts or [text, text_pair].
struct PredictRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;  // the answer is a list of label lists instead of one label list
  bool truncate = false;
  bool raw_scores = false;  // logits instead of softmax probabilities
};

// POST /tokenize: {"inputs": str | [str]}.
struct TokenizeRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;
};

// POST /fill-mask: {"inputs": str | [str], "top_k": int = 5, "truncate": bool = false}.
struct FillMaskRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;
  int64_t top_k = 5;
  bool truncate = false;
};

inline constexpr int64_t kMaxTopK = 1000;

template <typename Request>
using Parsed = std::variant<Request, ApiError>;

// Each returns the request, or the error to answer with: 422 for bodies that are not JSON (invalid
// UTF-8, syntax, nesting deeper than the limit) or have wrong types or values, 400 for empty
// inputs, 413 for more inputs than max_client_batch_size. Never throws.
Parsed<EmbedRequest> parse_embed_request(std::string_view body, const BodyLimits& limits);
Parsed<PredictRequest> parse_predict_request(std::string_view body, const BodyLimits& limits);
Parsed<TokenizeRequest> parse_tokenize_request(std::string_view body, const BodyLimits& limits);
Parsed<FillMaskRequest> parse_fill_mask_request(std::string_view body, const BodyLimits& limits);

}  // namespace ufb::serve

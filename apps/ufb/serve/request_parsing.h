#pragma once

// The JSON bodies of the server's POST routes, as text-embeddings-inference (TEI) accepts them,
// parsed into typed requests. Pure functions of (body, limits): no model, no I/O, so that tests
// and fuzz targets can drive them with arbitrary bytes. Fields a route does not know are
// ignored, as TEI (serde) ignores them; null means "the default".

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
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

// POST /embed: {"inputs": str | [str], "normalize": bool = true, "truncate": bool = false,
// "dimensions": int >= 1 (Matryoshka: keep the first N values, then normalize if asked),
// "prompt_name": str (a key of the model's sentence-transformers prompts, prefixed to each input)}.
// /embed_all and /embed_sparse take the same body (their answers ignore normalize and dimensions).
struct EmbedRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;  // inputs was an array: the answer is one vector per input either way
  bool normalize = true;
  bool truncate = false;
  std::optional<int64_t> dimensions;
  std::optional<std::string> prompt_name;
};

// POST /similarity: {"inputs": {"source_sentence": str, "sentences": [str]}, "truncate": bool,
// "prompt_name": str}: the cosine similarity of the source with each sentence. The source counts
// as one input against max_client_batch_size.
struct SimilarityRequest {
  std::string source_sentence;
  std::vector<std::string> sentences;
  bool truncate = false;
  std::optional<std::string> prompt_name;
};

// POST /rerank: {"query": str, "texts": [str], "truncate": bool = false, "raw_scores": bool =
// false, "return_text": bool = false}: each (query, text) pair through a cross-encoder.
struct RerankRequest {
  std::string query;
  std::vector<std::string> texts;
  bool truncate = false;
  bool raw_scores = false;
  bool return_text = false;
};

// POST /decode: {"ids": [int] | [[int]], "skip_special_tokens": bool = true}.
struct DecodeRequest {
  std::vector<std::vector<int32_t>> ids;
  bool batched = false;
  bool skip_special_tokens = true;
};

// POST /v1/embeddings (OpenAI): {"input": str | [str] | [int] | [[int]], "model": str,
// "encoding_format": "float" | "base64" = "float", "dimensions": int >= 1, "user": str}.
// Token ids are taken as they are: no special tokens are added.
struct OpenAiEmbeddingsRequest {
  std::vector<cli::TextInput> texts;           // input held text
  std::vector<std::vector<int32_t>> token_ids;  // input held token ids
  std::string model;
  bool base64 = false;
  std::optional<int64_t> dimensions;
  size_t size() const { return texts.empty() ? token_ids.size() : texts.size(); }
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

// POST /tokenize: {"inputs": str | [str], "add_special_tokens": bool = true, "prompt_name": str}.
struct TokenizeRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;
  bool add_special_tokens = true;
  std::optional<std::string> prompt_name;
};

// POST /fill-mask: {"inputs": str | [str], "top_k": int = 5, "truncate": bool = false}.
struct FillMaskRequest {
  std::vector<cli::TextInput> inputs;
  bool batched = false;
  int64_t top_k = 5;
  bool truncate = false;
};

inline constexpr int64_t kMaxTopK = 1000;
inline constexpr int64_t kMaxDimensions = int64_t{1} << 20;

template <typename Request>
using Parsed = std::variant<Request, ApiError>;

// Each returns the request, or the error to answer with: 422 for bodies that are not JSON (invalid
// UTF-8, syntax, nesting deeper than the limit) or have wrong types or values, 400 for empty
// inputs, 413 for more inputs than max_client_batch_size. Never throws.
Parsed<EmbedRequest> parse_embed_request(std::string_view body, const BodyLimits& limits);
Parsed<PredictRequest> parse_predict_request(std::string_view body, const BodyLimits& limits);
Parsed<TokenizeRequest> parse_tokenize_request(std::string_view body, const BodyLimits& limits);
Parsed<FillMaskRequest> parse_fill_mask_request(std::string_view body, const BodyLimits& limits);
Parsed<SimilarityRequest> parse_similarity_request(std::string_view body, const BodyLimits& limits);
Parsed<RerankRequest> parse_rerank_request(std::string_view body, const BodyLimits& limits);
Parsed<DecodeRequest> parse_decode_request(std::string_view body, const BodyLimits& limits);
// Its errors are TEI-shaped like every other's; the route reshapes them as OpenAI's.
Parsed<OpenAiEmbeddingsRequest> parse_openai_embeddings_request(std::string_view body, const BodyLimits& limits);

// What POST / (TEI's compatibility route) gets: which request a body is, by its shape, for the
// routes that share it. Bodies it cannot read are left to the route it picks to refuse.
enum class CompatBody {
  texts,       // {"inputs": str | [...]}: /embed, /predict or fill-mask, by the model's head
  similarity,  // {"inputs": {"source_sentence", "sentences"}} (huggingface_hub's sentence_similarity)
  rerank,      // {"query", "texts"}
};
CompatBody classify_compat_body(std::string_view body, const BodyLimits& limits);

}  // namespace ufb::serve

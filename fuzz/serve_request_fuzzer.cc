// Arbitrary bytes as the JSON body of every POST route of `ufb serve`: each parser must return a
// request within the limits or one of its documented refusals (400, 413, 422), and never throw.

#include <cstdlib>

#include "fuzz_input.h"
#include "request_parsing.h"

namespace {

using namespace ufb::serve;

constexpr BodyLimits kLimits{4, 8};

template <typename Request, typename Check>
void expect(const Parsed<Request>& parsed, Check check) {
  if (const ApiError* error = std::get_if<ApiError>(&parsed)) {
    if (error->status != 400 && error->status != 413 && error->status != 422) std::abort();
    if (error->message.empty() || error->error_type.empty()) std::abort();
    error_body(*error);  // must render, whatever bytes the message quotes
    return;
  }
  check(std::get<Request>(parsed));
}

void within_limits(size_t inputs) {
  if (inputs == 0 || inputs > kLimits.max_client_batch_size) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = ufb::fuzz::as_text(data, size);
  expect(parse_embed_request(body, kLimits), [](const EmbedRequest& r) {
    within_limits(r.inputs.size());
    if (r.dimensions && (*r.dimensions < 1 || *r.dimensions > kMaxDimensions)) std::abort();
  });
  expect(parse_predict_request(body, kLimits), [](const PredictRequest& r) { within_limits(r.inputs.size()); });
  expect(parse_tokenize_request(body, kLimits), [](const TokenizeRequest& r) { within_limits(r.inputs.size()); });
  expect(parse_fill_mask_request(body, kLimits), [](const FillMaskRequest& r) {
    within_limits(r.inputs.size());
    if (r.top_k < 1 || r.top_k > kMaxTopK) std::abort();
  });
  expect(parse_similarity_request(body, kLimits), [](const SimilarityRequest& r) { within_limits(r.sentences.size() + 1); });
  expect(parse_rerank_request(body, kLimits), [](const RerankRequest& r) { within_limits(r.texts.size()); });
  expect(parse_decode_request(body, kLimits), [](const DecodeRequest& r) {
    within_limits(r.ids.size());
    for (const auto& ids : r.ids) {
      if (ids.empty()) std::abort();
      for (const int32_t id : ids) if (id < 0) std::abort();
    }
  });
  expect(parse_openai_embeddings_request(body, kLimits), [](const OpenAiEmbeddingsRequest& r) {
    within_limits(r.size());
    if (!r.texts.empty() && !r.token_ids.empty()) std::abort();
    for (const auto& ids : r.token_ids) {
      if (ids.empty()) std::abort();
      for (const int32_t id : ids) if (id < 0) std::abort();
    }
  });
  classify_compat_body(body, kLimits);
  return 0;
}

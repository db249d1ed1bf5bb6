#pragma once

// The answers of the server's routes as (status, JSON body), independent of the HTTP library:
// parse the body, tokenize, run the inputs through the batcher, shape the result as
// text-embeddings-inference does (or, for /fill-mask, as `ufb fill-mask --json` prints it).

#include <string>
#include <string_view>

#include "server_state.h"

namespace ufb::serve {

struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

Reply error_reply(const ApiError& error);

// [[float...] per input]
Reply answer_embed(std::string_view body, const ServerState& state);
// [{"label", "score"} per class, best first] for one input, a list of those for a batch.
Reply answer_predict(std::string_view body, const ServerState& state);
// [[{"id", "text"} per token] per input]
Reply answer_tokenize(std::string_view body, const ServerState& state);
// {"masks": [{"position", "predictions": [{"token", "id", "probability"}]}]} for one input, a
// list of those for a batch.
Reply answer_fill_mask(std::string_view body, const ServerState& state);
// Model, dtype, pooling or labels, and every limit.
Reply answer_info(const ServerState& state);

// [[[float...] per token] per input]: the final hidden states, special tokens included.
Reply answer_embed_all(std::string_view body, const ServerState& state);
// [[{"index", "value"}...] per input]: SPLADE of a masked-LM model.
Reply answer_embed_sparse(std::string_view body, const ServerState& state);
// [float per sentence]: cosine similarity of the source sentence with each.
Reply answer_similarity(std::string_view body, const ServerState& state);
// [{"index", "score", "text"?}] best first: a one-label classification model as a cross-encoder.
Reply answer_rerank(std::string_view body, const ServerState& state);
// [str per input].
Reply answer_decode(std::string_view body, const ServerState& state);
// POST /: TEI's compatibility route. Classification models: /predict (/rerank for a body with
// "query"); embedding models: /embed (/similarity for {"inputs": {"source_sentence", ...}});
// masked-LM models: fill-mask in the Hugging Face pipeline's shape
// [{"score", "token", "token_str", "sequence"}].
Reply answer_compat(std::string_view body, const ServerState& state);
// OpenAI's POST /v1/embeddings and GET /v1/models; errors in OpenAI's shape.
Reply answer_openai_embeddings(std::string_view body, const ServerState& state);
Reply answer_openai_models(const ServerState& state);
// {"error": {"message", "type", "param": null, "code"}}.
Reply openai_error_reply(const ApiError& error);

}  // namespace ufb::serve

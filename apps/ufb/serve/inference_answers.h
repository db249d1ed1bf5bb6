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

}  // namespace ufb::serve

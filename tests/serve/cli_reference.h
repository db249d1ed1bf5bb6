#pragma once

// What the `ufb` command line answers for the same texts: the reference the server's answers
// must equal (up to float rounding, since batches are formed differently).

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace ufb::serve_test {

// `ufb embed --json [--normalize]` of the texts: one vector per text.
std::vector<std::vector<float>> cli_embeddings(const std::string& model, const std::vector<std::string>& texts,
                                               bool normalize);
// `ufb classify --json` of one text (TAB-separated for a pair), run alone so that the `avg`
// pooler sees no padding: {"label", "probabilities", "logits"}.
nlohmann::json cli_classification(const std::string& model, const std::string& text);
// `ufb fill-mask --json --top-k K` of one text: {"input", "masks"}.
nlohmann::json cli_fill_mask(const std::string& model, const std::string& text, int top_k);

// Every number of `actual` within 1e-5 (relative to max(1, |expected|)) of `expected`, and the
// same shape, keys and non-numbers.
void expect_json_near(const nlohmann::json& actual, const nlohmann::json& expected, const std::string& where = "");

}  // namespace ufb::serve_test

#pragma once

// The keys of a config.json that only training reads: initialisation and dropout, from
// crammedBERT's `arch` or a BERT config's top level (initializer_range, hidden_dropout_prob,
// attention_probs_dropout_prob, classifier_dropout).

#include <string>
#include <string_view>

namespace ufb::train {

struct DropoutRates {
  double embedding = 0;   // arch.embedding.dropout_prob, after the embedding LayerNorm
  double attention = 0;   // arch.attention.dropout_prob, on the attention probabilities
  double hidden = 0;      // arch.hidden_dropout_prob, on each residual branch
  double classifier = 0;  // arch.classification_head.classifier_dropout, after the pooler
};

struct ArchOptions {
  double init_std = 0.02;  // arch.init.std: weights ~ N(0, std), biases 0, norms 1/0
  DropoutRates dropout;
};

// Missing keys keep their defaults (BERT's: transformers' BertConfig's); a present key of the
// wrong type or out of range is an error naming it (probabilities in [0, 1), std > 0).
ArchOptions parse_arch_options(std::string_view config_json, const std::string& source_name);

}  // namespace ufb::train

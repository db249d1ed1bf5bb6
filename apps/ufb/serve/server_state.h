#pragma once

// What every route of `ufb serve` reads: the model, the tokenizers, the batcher, the counters
// and the limits the server was started with.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "admission.h"
#include "metrics.h"
#include "request_parsing.h"
#include "ufb/dynamic_batcher.h"
#include "ufb/text_model.h"

namespace ufb::serve {

struct ServerSettings {
  std::string model_id;  // the model directory's name
  std::string dtype;     // the precision the model runs in: f32, bf16 or int8
  std::string pooling;   // of /embed: mean, first or pooler
  std::vector<std::string> labels;  // of /predict, by class index
  // config_sentence_transformers.json's prompts (name -> text prefixed to an input) and the one
  // used when a request names none (empty: none).
  std::map<std::string, std::string> prompts;
  std::string default_prompt_name;
  size_t max_concurrent_requests = 512;
  size_t max_input_length = 0;
  int64_t max_batch_tokens = 16384;
  size_t max_client_batch_size = 32;
  size_t payload_limit_bytes = 2'000'000;
  std::string api_key;  // empty: no authentication
};

struct ServerState {
  const TextModel& text_model;
  DynamicBatcher& batcher;
  Metrics& metrics;
  Admission& admission;
  const ServerSettings& settings;
  BodyLimits body_limits;
};

}  // namespace ufb::serve

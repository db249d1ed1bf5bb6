#include "api_error.h"

#include <nlohmann/json.hpp>

namespace ufb::serve {

ApiError invalid_request(std::string message) { return {422, "Validation", std::move(message)}; }

ApiError too_large(std::string message) { return {413, "Validation", std::move(message)}; }

ApiError empty_request(std::string message) { return {400, "Empty", std::move(message)}; }

std::string error_body(const ApiError& error) {
  // A message may quote part of a hostile body; replacing bad bytes keeps the answer valid JSON.
  return nlohmann::json{{"error", error.message}, {"error_type", error.error_type}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ufb::serve

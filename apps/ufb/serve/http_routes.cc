#include "http_routes.h"

#include <array>
#include <chrono>
#include <functional>
#include <string>

#include "inference_answers.h"

namespace ufb::serve {
namespace {

using Clock = std::chrono::steady_clock;

struct Route {
  const char* path;
  const char* method;
  bool inference;  // limited by --max-concurrent-requests
  std::function<Reply(const httplib::Request&, const ServerState&)> answer;
  bool openai = false;  // errors in OpenAI's shape rather than TEI's
};

std::vector<Route> routes() {
  return {
      {"/embed", "POST", true, [](const auto& request, const auto& state) { return answer_embed(request.body, state); }},
      {"/predict", "POST", true, [](const auto& request, const auto& state) { return answer_predict(request.body, state); }},
      {"/fill-mask", "POST", true, [](const auto& request, const auto& state) { return answer_fill_mask(request.body, state); }},
      {"/", "POST", true, [](const auto& request, const auto& state) { return answer_compat(request.body, state); }},
      {"/embed_all", "POST", true, [](const auto& request, const auto& state) { return answer_embed_all(request.body, state); }},
      {"/embed_sparse", "POST", true, [](const auto& request, const auto& state) { return answer_embed_sparse(request.body, state); }},
      {"/similarity", "POST", true, [](const auto& request, const auto& state) { return answer_similarity(request.body, state); }},
      {"/rerank", "POST", true, [](const auto& request, const auto& state) { return answer_rerank(request.body, state); }},
      {"/v1/embeddings", "POST", true,
       [](const auto& request, const auto& state) { return answer_openai_embeddings(request.body, state); }, true},
      {"/v1/models", "GET", false, [](const auto&, const auto& state) { return answer_openai_models(state); }, true},
      {"/tokenize", "POST", false, [](const auto& request, const auto& state) { return answer_tokenize(request.body, state); }},
      {"/decode", "POST", false, [](const auto& request, const auto& state) { return answer_decode(request.body, state); }},
      {"/info", "GET", false, [](const auto&, const auto& state) { return answer_info(state); }},
      {"/health", "GET", false, [](const auto&, const auto&) { return Reply{200, "{}"}; }},
      {"/metrics", "GET", false, [](const auto&, const auto& state) {
         return Reply{200, state.metrics.render(state.batcher.queued_inputs(), state.admission.in_flight()),
                      "text/plain; version=0.0.4"};
       }},
  };
}

// What the pre-routing hook decided about the request this thread is handling. cpp-httplib runs
// a request's pre-routing hook, its handler and its post-routing hook on one thread, and the
// post-routing hook runs for every answer, so a place taken here is always given back there.
// The hooks only see const requests, hence a thread_local rather than a field of the request.
struct RequestScope {
  Clock::time_point start;
  bool authorized = true;
  bool admitted = false;
  bool overloaded = false;
};
thread_local RequestScope current_request;

const Route* find_route(const std::vector<Route>& table, const std::string& path) {
  for (const Route& route : table) {
    if (path == route.path) return &route;
  }
  return nullptr;
}

// Compares in time independent of where the strings differ (`expected` is never empty).
bool same_secret(const std::string& given, const std::string& expected) {
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    difference |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return difference == 0;
}

bool authorized(const httplib::Request& request, const std::string& path, const ServerSettings& settings) {
  if (settings.api_key.empty() || path == "/health") return true;
  return same_secret(request.get_header_value("Authorization"), "Bearer " + settings.api_key);
}

void send(httplib::Response& response, const Reply& reply) {
  response.status = reply.status;
  response.set_content(reply.body, reply.content_type);
}

// The answer of a known route, after the checks the pre-routing hook prepared.
void handle(const Route& route, const httplib::Request& request, httplib::Response& response, const ServerState& state) {
  const auto error_reply = [&route](const ApiError& error) {
    return route.openai ? openai_error_reply(error) : serve::error_reply(error);
  };
  if (!current_request.authorized) {
    send(response, error_reply({401, "Unauthorized", "missing or wrong API key: send the header 'Authorization: Bearer KEY'"}));
  } else if (current_request.overloaded) {
    send(response, error_reply({429, "Overloaded", "Model is overloaded: " +
                                                       std::to_string(state.settings.max_concurrent_requests) +
                                                       " requests are in flight (--max-concurrent-requests)"}));
  } else {
    send(response, route.answer(request, state));
  }
}

ApiError library_error(const httplib::Request& request, int status, const ServerSettings& settings) {
  switch (status) {
    case 404: return {404, "NotFound", "no route " + request.method + " " + request.path};
    case 413:
      // cpp-httplib caps form-encoded bodies (curl -d's default type) at 8192 bytes of its own.
      if (request.get_header_value("Content-Type") == "application/x-www-form-urlencoded") {
        return {413, "Validation", "form-encoded request bodies are limited to 8192 bytes: send Content-Type: application/json"};
      }
      return {413, "Validation", "the request body is larger than the payload limit of " +
                                     std::to_string(settings.payload_limit_bytes) + " bytes"};
    case 400: return {400, "Validation", "malformed HTTP request"};
    default: return {status, "Backend", "the server could not answer (HTTP status " + std::to_string(status) + ")"};
  }
}

void install_method_not_allowed(httplib::Server& server, const Route& route) {
  const std::string allow = std::string(route.method) == "GET" ? "GET, HEAD" : route.method;
  const auto refuse = [allow, path = std::string(route.path)](const httplib::Request& request, httplib::Response& response) {
    response.set_header("Allow", allow);
    send(response, error_reply({405, "MethodNotAllowed", request.method + " " + path + " is not allowed: use " + allow}));
  };
  const std::string pattern = route.path;
  if (std::string(route.method) != "GET") server.Get(pattern, refuse);
  if (std::string(route.method) != "POST") server.Post(pattern, refuse);
  server.Put(pattern, refuse);
  server.Patch(pattern, refuse);
  server.Delete(pattern, refuse);
  server.Options(pattern, refuse);
}

}  // namespace

void install_routes(httplib::Server& server, const ServerState& state) {
  static const std::vector<Route> table = routes();
  server.set_pre_routing_handler([&state](const httplib::Request& request, httplib::Response&) {
    current_request = RequestScope{Clock::now()};
    current_request.authorized = authorized(request, request.path, state.settings);
    const Route* route = find_route(table, request.path);
    if (current_request.authorized && route && route->inference && request.method == route->method) {
      current_request.admitted = state.admission.try_admit();
      current_request.overloaded = !current_request.admitted;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server.set_post_routing_handler([&state](const httplib::Request& request, httplib::Response& response) {
    if (current_request.admitted) state.admission.release();
    const double seconds = std::chrono::duration<double>(Clock::now() - current_request.start).count();
    const Route* route = find_route(table, request.path);
    // A request refused before routing (malformed request line) has no start time.
    const bool routed = current_request.start != Clock::time_point{};
    state.metrics.record_request(route ? route->path : "other", response.status, routed ? seconds : 0.0);
    current_request = RequestScope{};
  });
  server.set_error_handler(httplib::Server::HandlerWithResponse(
      [&state](const httplib::Request& request, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        send(response, error_reply(library_error(request, response.status, state.settings)));
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler([](const httplib::Request&, httplib::Response& response, std::exception_ptr failure) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      what = error.what();
    } catch (...) {
    }
    send(response, error_reply({500, "Backend", "internal error: " + what}));
  });
  for (const Route& route : table) {
    const auto handler = [&route, &state](const httplib::Request& request, httplib::Response& response) {
      handle(route, request, response, state);
    };
    if (std::string(route.method) == "GET") server.Get(route.path, handler);
    else server.Post(route.path, handler);
    install_method_not_allowed(server, route);
  }
}

}  // namespace ufb::serve

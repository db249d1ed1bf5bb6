#include "serve_command.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <thread>

#include "../common_options.h"
#include "../model_session.h"
#include "http_routes.h"
#include "ufb/error.h"

namespace ufb::cli {
namespace {

struct ServeFlags {
  // The model, its tokenizer, threads and dtype; max_length is --max-input-length (0: the
  // model's max_seq_length), to which the session's tokenizer truncates.
  ModelFlags model;
  std::string host = "127.0.0.1";
  int port = 8080;
  int64_t max_batch_tokens = 16384;
  int64_t max_concurrent_requests = 512;
  int64_t max_client_batch_size = 32;
  int64_t payload_limit = 2'000'000;
  std::string api_key;
  std::string pooling;  // empty: the model's own (sentence-transformers modules), else mean
};

// Class names from config.json's id2label (a Hugging Face convention) where present, else
// LABEL_i as Hugging Face names them by default.
std::vector<std::string> class_labels(const model::Model& model) {
  const io::ModelConfig& config = model.config();
  if (!config.labels.empty()) return config.labels;
  std::vector<std::string> labels;
  for (int64_t i = 0; i < config.num_labels.value_or(0); ++i) labels.push_back("LABEL_" + std::to_string(i));
  return labels;
}

// What /embed computes: the model's sentence-transformers pipeline unless --pooling names one.
// Normalization is each request's choice (TEI's `normalize`).
model::SentenceEmbedding embedding_of(const ServeFlags& flags, const ModelSession& session) {
  EmbedOptions options;
  if (!flags.pooling.empty()) options.pooling = parse_pooling(flags.pooling);
  options.normalize = false;
  return session.text_model().embedding_pipeline(options);
}

// TEI's name of the pooling, as /info reports it: "mean", "cls", ...
std::string pooling_name(const model::SentenceEmbedding& embedding) {
  std::string name;
  for (const model::EmbeddingPooling mode : embedding.pooling()) {
    if (!name.empty()) name += "+";
    switch (mode) {
      case model::EmbeddingPooling::mean: name += "mean"; break;
      case model::EmbeddingPooling::first: name += "cls"; break;
      case model::EmbeddingPooling::max: name += "max"; break;
      case model::EmbeddingPooling::mean_sqrt_len: name += "mean_sqrt_len"; break;
      case model::EmbeddingPooling::pooler: name += "pooler"; break;
    }
  }
  return name;
}

// config_sentence_transformers.json's "prompts" and "default_prompt_name", where present.
void read_prompts(const std::string& model_dir, serve::ServerSettings& settings) {
  const std::filesystem::path path = std::filesystem::path(model_dir) / "config_sentence_transformers.json";
  if (!std::filesystem::exists(path)) return;
  std::ifstream file(path);
  const nlohmann::json config = nlohmann::json::parse(file, nullptr, false);
  if (!config.is_object()) throw Error(path.string() + ": not a JSON object");
  if (const auto prompts = config.find("prompts"); prompts != config.end() && !prompts->is_null()) {
    if (!prompts->is_object()) throw Error(path.string() + ": \"prompts\" must be an object of strings");
    for (const auto& [name, text] : prompts->items()) {
      if (!text.is_string()) throw Error(path.string() + ": prompt \"" + name + "\" must be a string");
      settings.prompts[name] = text.get<std::string>();
    }
  }
  if (const auto name = config.find("default_prompt_name"); name != config.end() && !name->is_null()) {
    if (!name->is_string() || !settings.prompts.contains(name->get<std::string>())) {
      throw Error(path.string() + ": \"default_prompt_name\" must name one of its \"prompts\"");
    }
    settings.default_prompt_name = name->get<std::string>();
  }
}

serve::ServerSettings settings_of(const ServeFlags& flags, const model::Model& model,
                                  const model::SentenceEmbedding& embedding) {
  serve::ServerSettings settings;
  const std::string& model_dir = flags.model.model_dir;
  settings.model_id = std::filesystem::path(model_dir).lexically_normal().filename().string();
  if (settings.model_id.empty()) settings.model_id = std::filesystem::path(model_dir).parent_path().filename().string();
  settings.dtype = flags.model.dtype;
  settings.pooling = pooling_name(embedding);
  settings.labels = class_labels(model);
  read_prompts(model_dir, settings);
  settings.max_concurrent_requests = static_cast<size_t>(flags.max_concurrent_requests);
  settings.max_input_length =
      static_cast<size_t>(flags.model.max_length > 0 ? flags.model.max_length : model.limits().max_sequence_length);
  settings.max_batch_tokens = flags.max_batch_tokens;
  settings.max_client_batch_size = static_cast<size_t>(flags.max_client_batch_size);
  settings.payload_limit_bytes = static_cast<size_t>(flags.payload_limit);
  settings.api_key = flags.api_key;
  if (static_cast<size_t>(settings.max_batch_tokens) < settings.max_input_length) {
    throw Error("--max-batch-tokens " + std::to_string(settings.max_batch_tokens) + " is less than the maximum input length " +
                std::to_string(settings.max_input_length) + ": the longest inputs could never run");
  }
  return settings;
}

// SIGTERM / SIGINT are blocked in every thread (they inherit the mask from here) and taken by
// one waiting thread, which stops the listener; SIGUSR1 wakes that thread when the listener
// ends for another reason.
sigset_t shutdown_signals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGUSR1);
  return signals;
}

int bind(httplib::Server& server, const ServeFlags& flags) {
  if (flags.port == 0) {
    const int port = server.bind_to_any_port(flags.host);
    if (port > 0) return port;
  } else if (server.bind_to_port(flags.host, flags.port)) {
    return flags.port;
  }
  throw Error("cannot listen on " + flags.host + ":" + std::to_string(flags.port) +
              " (address in use, or not an address of this machine)");
}

void serve(const ServeFlags& flags) {
  const sigset_t signals = shutdown_signals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that hangs up must not end the server

  // Reads config.json once; refuses a --max-input-length above the model's max_seq_length.
  const ModelSession session(flags.model);  // its tokenizer truncates to the maximum input length
  const model::SentenceEmbedding embedding = embedding_of(flags, session);
  const serve::ServerSettings settings = settings_of(flags, session.model(), embedding);

  serve::Metrics metrics;
  serve::Admission admission(settings.max_concurrent_requests);
  DynamicBatcherOptions batcher_options;
  batcher_options.max_batch_tokens = settings.max_batch_tokens;
  batcher_options.embedding = embedding;
  batcher_options.model_threads = flags.model.threads;
  DynamicBatcher batcher(session.text_model(), batcher_options,
                         [&metrics](const BatchStats& batch) { metrics.record_batch(batch); });

  httplib::Server server;
  // cpp-httplib gives each connection a thread for its lifetime: one per admitted request, plus
  // a few to answer 429s, /health and /metrics while all of those are busy.
  const size_t connection_threads = settings.max_concurrent_requests + 8;
  server.new_task_queue = [connection_threads] { return new httplib::ThreadPool(connection_threads); };
  server.set_payload_max_length(settings.payload_limit_bytes);
  // The library writes headers and body separately: without TCP_NODELAY, Nagle's algorithm
  // holds the body until the client's delayed ACK, about 40 ms per answer.
  server.set_tcp_nodelay(true);
  const serve::ServerState state{session.text_model(), batcher, metrics, admission, settings,
                                 serve::BodyLimits{settings.max_client_batch_size}};
  serve::install_routes(server, state);

  const int port = bind(server, flags);
  std::cout << "ufb serve: listening on http://" << flags.host << ":" << port << " (model " << settings.model_id
            << ", max input length " << settings.max_input_length << ")" << std::endl;

  std::atomic<bool> listener_done = false;
  std::thread signal_waiter([&] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    if (signal_number == SIGUSR1) return;
    // stop() only takes effect once the listener runs; a signal may come just before it does.
    while (!server.is_running() && !listener_done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server.stop();
    std::cout << "ufb serve: shutting down: finishing requests in flight" << std::endl;
  });
  const bool listened = server.listen_after_bind();  // returns once stopped and every connection is done
  listener_done = true;
  kill(getpid(), SIGUSR1);
  signal_waiter.join();
  batcher.stop();
  if (!listened) throw Error("the HTTP listener on " + flags.host + ":" + std::to_string(port) + " failed");
  std::cout << "ufb serve: stopped" << std::endl;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto flags = std::make_shared<ServeFlags>();
  flags->model.max_length_option = "--max-input-length";
  CLI::App* command = app.add_subcommand("serve", "HTTP inference server with the text-embeddings-inference API");
  add_model_option(*command, flags->model.model_dir, WithoutModel::refuse);
  add_tokenizer_option(*command, flags->model.tokenizer_path);
  command->add_option("--host", flags->host, "Address to listen on (loopback unless told otherwise)")->capture_default_str();
  command->add_option("--port", flags->port, "Port (0 = any free port; the chosen one is printed)")
      ->capture_default_str()->check(CLI::Range(0, 65535));
  add_threads_option(*command, flags->model.threads);
  command->add_option("--max-batch-tokens", flags->max_batch_tokens, "Padded tokens per model call (inputs x longest)")
      ->capture_default_str()->check(CLI::Range(int64_t{2}, int64_t{1} << 24));
  command->add_option("--max-concurrent-requests", flags->max_concurrent_requests,
                      "Inference requests in flight; one more is answered 429")
      ->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{4096}));
  command->add_option("--max-input-length", flags->model.max_length,
                      "Tokens per input, longer ones are refused (413) or truncated (default: the model's limit)")
      ->check(CLI::Range(int64_t{2}, int64_t{1} << 20));
  command->add_option("--max-client-batch-size", flags->max_client_batch_size, "Inputs per request")
      ->capture_default_str()->check(CLI::Range(int64_t{1}, int64_t{1} << 16));
  command->add_option("--payload-limit", flags->payload_limit, "Request body bytes; larger bodies are refused (413)")
      ->capture_default_str()->check(CLI::Range(int64_t{16}, int64_t{1} << 30));
  command->add_option("--api-key", flags->api_key, "Require 'Authorization: Bearer KEY' on every route but /health")
      ->envname("UFB_API_KEY");
  add_dtype_option(*command, flags->model.dtype);
  add_device_option(*command, flags->model.device);
  add_pooling_option(*command, flags->pooling, /*per_token=*/false);
  command->callback([flags] { serve(*flags); });
}

}  // namespace ufb::cli

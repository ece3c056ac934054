#pragma once
// Everything `hearth serve` is configured with, grouped by the module it configures.

#include <chrono>
#include <string>
#include <vector>

#include "api/embeddings_request.h"
#include "http/http_server.h"
#include "registry/model_registry.h"
#include "server/media_sources.h"
#include "server/response_store.h"
#include "server/routes.h"

namespace hearth::server {

// Who may call the server and what its request log shows.
struct AccessConfig {
    std::vector<std::string> api_keys;      // Bearer tokens; any one admits. Empty: no authentication
    bool metrics_public = false;            // /metrics answers without a key even when keys are set
    std::vector<std::string> cors_origins;  // browser origins allowed to call; "*" allows any. Empty: CORS off
    bool log_prompts = false;               // the request log line carries the request body
};

struct ServerConfig {
    http::HttpServerConfig http;
    // The models: config.json entries, the models directory, defaults for LLMs (slots, context, batch,
    // threads, queue), the memory budget, autoload and keep-alive.
    registry::RegistryConfig registry;
    std::vector<std::string> preload;       // models loaded at start-up (hearth serve --load)
    api::EmbeddingLimits embedding_limits;  // inputs per embeddings request, documents per rerank
    AudioLimits audio_limits;               // upload size and audio length of transcriptions
    MediaConfig media;                      // images in chat requests: where they may come from, limits
    AccessConfig access;
    ResponseStoreConfig responses;              // /v1/responses kept for GET and previous_response_id
    std::chrono::seconds shutdown_timeout{10};  // in-flight requests may finish this long after a stop signal
    bool webui = true;                          // GET / serves the built-in web page
    // What isolated models' processes get of this server's settings (server/isolated_process.h serve_flags).
    std::vector<std::string> isolated_serve_flags;
};

}  // namespace hearth::server

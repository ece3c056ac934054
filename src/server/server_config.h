#pragma once
// Everything `hearth serve` is configured with, grouped by the module it configures.

#include <string>
#include <vector>

#include "api/embeddings_request.h"
#include "http/http_server.h"
#include "registry/model_registry.h"
#include "server/routes.h"

namespace hearth::server {

struct ServerConfig {
    http::HttpServerConfig http;
    // The models: config.json entries, the models directory, defaults for LLMs (slots, context, batch,
    // threads, queue), the memory budget, autoload and keep-alive.
    registry::RegistryConfig registry;
    std::vector<std::string> preload;       // models loaded at start-up (hearth serve --load)
    api::EmbeddingLimits embedding_limits;  // inputs per embeddings request, documents per rerank
    AudioLimits audio_limits;               // upload size and audio length of transcriptions
};

}  // namespace hearth::server

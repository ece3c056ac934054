#pragma once
// Everything `hearth serve` is configured with, grouped by the module it configures.

#include <string>

#include "api/embeddings_request.h"
#include "http/http_server.h"
#include "registry/embedding_model.h"
#include "registry/text_model.h"

namespace hearth::server {

struct ServerConfig {
    http::HttpServerConfig http;
    std::string models_dir;
    registry::TextModelOptions text_models;            // how LLMs are loaded: slots, context, batch, threads, queue
    registry::EmbeddingModelOptions embedding_models;  // embedding/rerank batching, threads, queue, shared cache
    api::EmbeddingLimits embedding_limits;             // inputs per embeddings request, documents per rerank
};

}  // namespace hearth::server

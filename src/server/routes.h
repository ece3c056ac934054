#pragma once
// The route table and the glue between http and api: one flat list of (method, path, handler), every handler
// wrapped so that an exception becomes a 500 OpenAI-shaped error and never leaves the handler.

#include <memory>

#include "api/embeddings_request.h"
#include "http/router.h"
#include "registry/model_registry.h"
#include "server/media_sources.h"
#include "server/response_store.h"
#include "server/server_phase.h"
#include "util/metrics.h"

namespace hearth::server {

// What route handlers may use. Borrowed references; App owns them and outlives the HTTP server.
struct AudioLimits {
    size_t max_upload_bytes = 25u << 20;  // beyond, 413 (OpenAI's limit)
    double max_audio_seconds = 3 * 3600;  // decoded audio beyond, 413
};

struct RouteContext {
    registry::ModelRegistry& registry;
    metrics::Registry& metrics;
    api::EmbeddingLimits embedding_limits = {};
    AudioLimits audio_limits = {};
    MediaConfig media = {};  // images in chat requests
    // /v1/responses kept for retrieval and previous_response_id; shared with the streams that fill it.
    std::shared_ptr<ResponseStore> responses = std::make_shared<ResponseStore>();
    // The server's phase for /health; null: always serving (tests that build routes alone).
    const PhaseFlag* phase = nullptr;
};

void register_routes(http::Router& router, RouteContext& context);

// Wraps a handler so that an exception becomes a 500 OpenAI-shaped error and never leaves it.
http::RouteHandler guard(http::RouteHandler inner);

// Dispatches one request through the router: unknown route -> 404, wrong method -> 405 (with Allow).
http::HttpResponse dispatch_request(const http::Router& router, const http::HttpRequest& request);

// The body of errors the transport detects itself (400 malformed, 413 too large, 431 headers).
http::HttpResponse transport_error_response(int status, const std::string& message, std::string_view path);

}  // namespace hearth::server

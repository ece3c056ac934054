#pragma once
// Everything `hearth serve` is configured with, grouped by the module it configures.

#include <string>

#include "http/http_server.h"
#include "registry/text_model.h"

namespace hearth::server {

struct ServerConfig {
    http::HttpServerConfig http;
    std::string models_dir;
    registry::TextModelOptions text_models;  // how LLMs are loaded: slots, context, batch, threads, queue
};

}  // namespace hearth::server

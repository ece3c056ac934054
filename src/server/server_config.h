#pragma once
// Everything `hearth serve` is configured with, grouped by the module it configures.

#include <string>

#include "http/http_server.h"

namespace hearth::server {

struct ServerConfig {
    http::HttpServerConfig http;
    std::string models_dir;
};

}  // namespace hearth::server

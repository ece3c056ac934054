#pragma once
// `hearth serve` options for who may call the server and how it behaves toward clients: API keys (flags, key
// file, $HEARTH_API_KEY), CORS origins, /metrics access, the request log's format and content, write timeout,
// connection limit and the graceful-shutdown timeout.

#include <CLI/CLI.hpp>

#include "cli/command_serve.h"
#include "server/server_config.h"
#include "util/result.h"

namespace hearth::cli {

void add_access_options(CLI::App& serve, ServeOptions& options);

// Fills config.access, the HTTP limits and the shutdown timeout from the options, switches the log format,
// and warns when a public address is served without a key. INVALID_ARGUMENT for an unreadable or empty key
// file.
Result<void> apply_access_options(const ServeOptions& options, server::ServerConfig& config);

// Whether binding `host` keeps a port on this machine (localhost, 127.x, ::1).
bool is_loopback(const std::string& host);

}  // namespace hearth::cli

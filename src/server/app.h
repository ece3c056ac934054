#pragma once
// The composition root of `hearth serve`: builds the modules in dependency order (engine backends, registry,
// routes, HTTP) and tears them down in reverse. Thread contract: construct, start(), then wait() or stop()
// from one thread.

#include <memory>

#include "server/server_config.h"
#include "util/result.h"

namespace hearth::server {

class App {
public:
    explicit App(ServerConfig config);
    ~App();
    App(const App&) = delete;
    App& operator=(const App&) = delete;

    // Listens, then loads the --load models on a thread of its own: /health says "loading" (503) until they
    // are loaded or failed. Errors: a --load name that is no model, an address that cannot be bound.
    Result<void> start();
    uint16_t port() const;
    // Blocks until the --load models are loaded or failed, or a stop signal comes (then returns that signal,
    // else 0). Needs block_stop_signals().
    int wait_until_serving() const;
    // Drains (/health 503 "draining", new requests 503) while requests in flight finish, up to
    // config.shutdown_timeout; then stops accepting, unloads the models (ending whatever still runs) and stops the
    // HTTP server. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Blocks SIGINT and SIGTERM for every thread created afterwards; call first thing in main.
void block_stop_signals();
// Waits for SIGINT or SIGTERM (blocked by block_stop_signals) and returns the signal number.
int wait_for_stop_signal();
// From now on, a further SIGINT or SIGTERM ends the process at once (exit status 128 + signal), whatever
// is still running: the operator's way out of a slow graceful shutdown.
void exit_on_next_stop_signal();

}  // namespace hearth::server

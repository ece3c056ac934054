#pragma once
// Asynchronous HTTP/1.1 server: the only code that includes Boost.Beast (pimpl). Keep-alive, read and idle
// timeouts, header and body limits. I/O runs on a small pool of I/O threads; each request's handler runs on
// a separate handler pool so that a slow handler never stalls other connections.
// Thread contract: start() and stop() from one controlling thread; port() any time after start().

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "http/http_types.h"
#include "util/result.h"

namespace hearth::http {

struct HttpServerConfig {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0 picks a free port; see port()
    int io_threads = 2;
    int handler_threads = 128;               // bounds the requests in flight: a stream holds its thread to the end
    std::chrono::seconds read_timeout{30};   // to receive a whole request once it has started
    std::chrono::seconds idle_timeout{60};   // keep-alive: between requests on one connection
    std::chrono::seconds write_timeout{60};  // to send one response
    uint64_t max_body_bytes = 32ull << 20;
    uint32_t max_header_bytes = 16u << 10;
    int max_connections = 1024;  // open connections; beyond, a new one is closed at once
};

class HttpServer {
public:
    HttpServer(HttpServerConfig config, HttpHandler handler, HttpErrorFormatter error_formatter);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Binds and starts serving; an address in use or not local gives an error, never an exception.
    Result<void> start();
    // The bound port (useful when the config asked for 0).
    uint16_t port() const;
    // Graceful shutdown, first half: stops accepting connections; keep-alive connections close after their
    // current response. Then waits until no request is in flight (its response fully written) or `timeout`
    // passes; true when none is left.
    bool drain(std::chrono::milliseconds timeout);
    // Requests read and not yet fully answered.
    int in_flight() const;
    // Stops accepting, closes connections and joins every thread. Idempotent.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::http

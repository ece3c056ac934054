#pragma once
// The server's front door: every request passes here before and after its route. It gives the request an id
// (X-Request-Id, echoed or generated), answers CORS preflights for listed origins, refuses requests without a
// valid API key (401) when keys are set, dispatches through the route table, and once the response is
// complete (a stream's last event included) records its metrics and writes one log line. New routes get all
// of this without doing anything.
// Thread contract: built once, then handle() from any handler thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.h"
#include "registry/model_registry.h"
#include "server/request_record.h"
#include "server/server_config.h"
#include "server/server_phase.h"
#include "util/metrics.h"

namespace hearth::server {

class Gateway {
public:
    // Borrows the router, registry and metrics; App owns them and outlives every request.
    // `phase`: while DRAINING, everything but /health and /metrics is refused (503, Retry-After); null: never.
    Gateway(const http::Router& router, registry::ModelRegistry& registry, metrics::Registry& metrics,
            AccessConfig access, const PhaseFlag* phase = nullptr);

    http::HttpResponse handle(const http::HttpRequest& request) const;
    // Errors the transport answers itself (malformed request, body or headers over the limit): same id,
    // metrics and log line as routed requests.
    // `path`: the request's, when its header was read (it picks the error's shape).
    http::HttpResponse transport_error(int status, const std::string& message, std::string_view path) const;

private:
    std::optional<http::HttpResponse> preflight(const http::HttpRequest& request) const;
    std::optional<http::HttpResponse> refuse_unauthenticated(const http::HttpRequest& request) const;
    std::optional<http::HttpResponse> refuse_while_draining(const http::HttpRequest& request) const;
    // A request naming a model that runs isolated goes to that model's process.
    std::optional<http::HttpResponse> forward_if_isolated(const http::HttpRequest& request) const;
    void add_cors_headers(const http::HttpRequest& request, http::HttpResponse& response) const;
    std::string model_named_in_body(const http::HttpRequest& request) const;
    // What the log line tells of the request, kept past the handler for streams.
    struct RequestLine {
        std::string method;
        std::string endpoint;  // the route pattern, "unmatched" or "transport"
        std::string remote;
        std::string body;  // only with --log-prompts
    };
    void complete(const RequestLine& line, int status, const RequestRecord& record) const;

    const http::Router& router_;
    registry::ModelRegistry& registry_;
    metrics::Registry& metrics_;
    const AccessConfig access_;
    const PhaseFlag* phase_;
};

// The client's X-Request-Id when it is a plausible id (1-128 characters of [A-Za-z0-9._:/+=-]); otherwise a
// new random one. Never echoes bytes that could break a header, a log line or JSON.
std::string request_id_for(const http::HttpRequest& request);

// Whether `token` is one of `keys`. Compares every key in full, in time independent of where the bytes
// differ, so that timing does not reveal a key prefix.
bool key_matches(std::string_view token, const std::vector<std::string>& keys);
// Whether `authorization` is "Bearer <one of keys>".
bool bearer_matches(std::string_view authorization, const std::vector<std::string>& keys);

// Whether the route at `path` answers without a key: the health check always, /metrics when made public.
bool is_public_path(std::string_view path, bool metrics_public);

}  // namespace hearth::server

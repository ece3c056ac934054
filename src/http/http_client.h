#pragma once
// A small blocking HTTP/1.1 client for hearth's own tools (the serving benchmark): plain http only, one
// keep-alive connection per client, a deadline on every network operation, and the body handed over piece by
// piece as it arrives so that streamed (SSE) responses can be timed token by token.
// Thread contract: one HttpClient per thread; it is not shared.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.h"
#include "util/result.h"

namespace hearth::http {

// http://HOST[:PORT][/PATH]: the parts a client needs. PATH keeps no trailing '/'.
struct BaseUrl {
    std::string host;
    uint16_t port = 80;
    std::string path;
};

// INVALID_ARGUMENT for anything but http:// URLs with a host and a port in 1..65535.
Result<BaseUrl> parse_base_url(std::string_view url);

struct ClientRequest {
    std::string method = "POST";
    std::string target;  // path and query
    std::vector<Header> headers;
    std::string body;
};

struct ClientResponse {
    int status = 0;
    std::vector<Header> headers;
    std::string body;  // empty when a body sink took the body
};

// Receives each piece of the body as it arrives, with the response's status and headers (`head.body` stays
// empty); returning false stops reading (the connection is then closed).
using BodySink = std::function<bool(const ClientResponse& head, std::string_view piece)>;

class HttpClient {
public:
    HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends one request (connecting first when needed) and reads the response; any HTTP status is a value.
    // Transport failures are errors: TIMEOUT when a deadline passes, INTERNAL otherwise (refused, reset,
    // malformed response).
    Result<ClientResponse> send(const ClientRequest& request, const BodySink& sink = {});

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace hearth::http

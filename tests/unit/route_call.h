#pragma once
// One request through a route table, as the HTTP server would dispatch it (tests of routes without sockets).

#include <string>

#include "server/routes.h"

namespace hearth::testing {

inline http::HttpResponse call_route(const http::Router& router, const std::string& method, const std::string& path,
                                     const std::string& body = "") {
    http::HttpRequest req;
    req.method = method;
    req.path = path;
    req.body = body;
    return server::dispatch_request(router, req);
}

}  // namespace hearth::testing

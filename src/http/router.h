#pragma once
// Matches a method and path against a flat route table. Patterns are literal segments, "{name}" for one
// segment, and a final "{name*}" for the rest of the path (model ids may contain '/'). Captured values are
// percent-decoded and valid UTF-8 (BAD_PATH otherwise). Built once at start-up, then read-only: match() is thread-safe.

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "http/http_types.h"

namespace hearth::http {

using RouteParams = std::map<std::string, std::string>;
using RouteHandler = std::function<HttpResponse(const HttpRequest&, const RouteParams&)>;

enum class MatchStatus { FOUND, NOT_FOUND, METHOD_NOT_ALLOWED, BAD_PATH };

struct RouteMatch {
    MatchStatus status = MatchStatus::NOT_FOUND;
    const RouteHandler* handler = nullptr;  // borrowed from the Router; set when FOUND
    RouteParams params;
    std::vector<std::string> allowed_methods;  // set when METHOD_NOT_ALLOWED
    std::string pattern;                       // the route's pattern as added ("/v1/models/{id*}"): a closed set
};

class Router {
public:
    void add(std::string method, std::string_view pattern, RouteHandler handler);
    RouteMatch match(std::string_view method, std::string_view path) const;

private:
    struct Route {
        std::string method;
        std::string pattern;
        std::vector<std::string> segments;
        RouteHandler handler;
    };
    static bool match_segments(const Route& route, const std::vector<std::string_view>& path, RouteParams& params,
                               bool& bad_encoding);

    std::vector<Route> routes_;
};

}  // namespace hearth::http

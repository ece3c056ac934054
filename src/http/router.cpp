#include "http/router.h"

#include <algorithm>

#include "util/percent_encoding.h"
#include "util/utf8.h"

namespace hearth::http {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> out;
    size_t start = 0;
    while (start <= path.size()) {
        const size_t slash = path.find('/', start);
        const size_t end = slash == std::string_view::npos ? path.size() : slash;
        if (end > start) {
            out.push_back(path.substr(start, end - start));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        start = slash + 1;
    }
    return out;
}

// A captured value is percent-decoded and must be valid UTF-8: a model id is echoed in JSON replies.
std::optional<std::string> decode_segment(std::string_view segment) {
    auto decoded = percent_decode(segment);
    if (decoded && !utf8::is_valid(*decoded)) {
        return std::nullopt;
    }
    return decoded;
}

bool is_param(std::string_view segment) {
    return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

bool is_rest_param(std::string_view segment) {
    return is_param(segment) && segment.size() >= 3 && segment[segment.size() - 2] == '*';
}

std::string param_name(std::string_view segment) {
    std::string_view name = segment.substr(1, segment.size() - 2);
    if (!name.empty() && name.back() == '*') {
        name.remove_suffix(1);
    }
    return std::string(name);
}

}  // namespace

void Router::add(std::string method, std::string_view pattern, RouteHandler handler) {
    Route route{std::move(method), std::string(pattern), {}, std::move(handler)};
    for (std::string_view segment : split_path(pattern)) {
        route.segments.emplace_back(segment);
    }
    routes_.push_back(std::move(route));
}

bool Router::match_segments(const Route& route, const std::vector<std::string_view>& path, RouteParams& params,
                            bool& bad_encoding) {
    size_t i = 0;
    for (; i < route.segments.size(); ++i) {
        const std::string& pattern = route.segments[i];
        if (is_rest_param(pattern)) {
            if (i >= path.size()) {
                return false;
            }
            std::string rest;
            for (size_t j = i; j < path.size(); ++j) {
                auto decoded = decode_segment(path[j]);
                bad_encoding = bad_encoding || !decoded;
                if (j > i) {
                    rest.push_back('/');
                }
                rest.append(decoded.value_or(""));
            }
            params[param_name(pattern)] = rest;
            return !bad_encoding;
        }
        if (i >= path.size()) {
            return false;
        }
        if (is_param(pattern)) {
            auto decoded = decode_segment(path[i]);
            bad_encoding = bad_encoding || !decoded;
            params[param_name(pattern)] = decoded.value_or("");
        } else if (pattern != path[i]) {
            return false;
        }
    }
    return i == path.size() && !bad_encoding;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
    RouteMatch result;
    const std::vector<std::string_view> segments = split_path(path);
    for (const Route& route : routes_) {
        RouteParams params;
        bool bad_encoding = false;
        if (!match_segments(route, segments, params, bad_encoding)) {
            if (bad_encoding) {
                result.status = MatchStatus::BAD_PATH;
                return result;
            }
            continue;
        }
        if (route.method == method) {
            return RouteMatch{MatchStatus::FOUND, &route.handler, std::move(params), {}, route.pattern};
        }
        if (std::find(result.allowed_methods.begin(), result.allowed_methods.end(), route.method) ==
            result.allowed_methods.end()) {
            result.allowed_methods.push_back(route.method);
        }
        result.pattern = route.pattern;
    }
    result.status = result.allowed_methods.empty() ? MatchStatus::NOT_FOUND : MatchStatus::METHOD_NOT_ALLOWED;
    return result;
}

}  // namespace hearth::http

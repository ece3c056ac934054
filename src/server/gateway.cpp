#include "server/gateway.h"

#include <algorithm>
#include <memory>
#include <random>

#include "api/json_body.h"
#include "api/multipart.h"
#include "server/isolated_proxy.h"
#include "server/reply.h"
#include "server/routes.h"
#include "server/server_metrics.h"
#include "util/log.h"

namespace hearth::server {

namespace {

using http::HttpRequest;
using http::HttpResponse;

constexpr size_t MAX_REQUEST_ID = 128;
// Bodies up to this size are read for their "model" when a handler did not name its model itself.
constexpr size_t MAX_BODY_FOR_MODEL = 1u << 20;
// With --log-prompts, the log line carries at most this much of the body.
constexpr size_t MAX_LOGGED_BODY = 16u << 10;

bool is_id_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("._:/+=-").find(c) != std::string_view::npos;
}

std::string random_id() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char HEX[] = "0123456789abcdef";
    std::string id;
    for (int word = 0; word < 2; ++word) {
        uint64_t bits = rng();
        for (int i = 0; i < 16; ++i, bits >>= 4) {
            id += HEX[bits & 0xF];
        }
    }
    return id;
}

// The "model" a request body names: a JSON body's member or a multipart form's field (the audio uploads); empty
// when it names none.
std::string body_model(const HttpRequest& request) {
    const std::string& body = request.body;
    if (body.empty()) {
        return {};
    }
    const auto content_type = request.header("Content-Type");
    if (content_type && http::iequals(content_type->substr(0, 19), "multipart/form-data")) {
        const auto boundary = api::multipart_boundary(*content_type);
        const auto parts =
            boundary ? api::parse_multipart(body, *boundary) : make_error(ErrorCode::INVALID_ARGUMENT, "");
        if (parts) {
            for (const auto& part : *parts) {
                if (part.name == "model" && part.filename.empty()) {
                    return std::string(part.data);
                }
            }
        }
        return {};
    }
    auto object = api::parse_json_object(body);
    if (!object) {
        return {};
    }
    const auto it = object->find("model");
    return it != object->end() && it->is_string() ? it->get<std::string>() : std::string();
}

double seconds_since(RequestRecord::Clock::time_point start) {
    return std::chrono::duration<double>(RequestRecord::Clock::now() - start).count();
}

}  // namespace

std::string request_id_for(const HttpRequest& request) {
    const auto sent = request.header("X-Request-Id");
    if (sent && !sent->empty() && sent->size() <= MAX_REQUEST_ID &&
        std::all_of(sent->begin(), sent->end(), is_id_char)) {
        return *sent;
    }
    return random_id();
}

bool bearer_matches(std::string_view authorization, const std::vector<std::string>& keys) {
    constexpr std::string_view SCHEME = "Bearer ";
    if (authorization.size() <= SCHEME.size() || !http::iequals(authorization.substr(0, SCHEME.size()), SCHEME)) {
        return false;
    }
    return key_matches(authorization.substr(SCHEME.size()), keys);
}

bool key_matches(std::string_view token, const std::vector<std::string>& keys) {
    bool matched = false;
    for (const std::string& key : keys) {
        // Every byte of the token is compared against the key (cycled), whatever the lengths: the time
        // depends on the token's length only.
        auto diff = static_cast<unsigned char>(token.size() != key.size());
        for (size_t i = 0; i < token.size(); ++i) {
            const char expected = key.empty() ? '\0' : key[i % key.size()];
            diff |= static_cast<unsigned char>(token[i] ^ expected);
        }
        matched = matched | (diff == 0 && !key.empty());
    }
    return matched;
}

// The web page and its files are public (it asks for the key and sends it with its API calls); so is health.
bool is_public_path(std::string_view path, bool metrics_public) {
    return path == "/health" || path == "/v1/health" || (metrics_public && path == "/metrics") || path == "/" ||
           path.starts_with("/ui/");
}

Gateway::Gateway(const http::Router& router, registry::ModelRegistry& registry, metrics::Registry& metrics,
                 AccessConfig access, const PhaseFlag* phase)
    : router_(router), registry_(registry), metrics_(metrics), access_(std::move(access)), phase_(phase) {}

HttpResponse Gateway::handle(const HttpRequest& request) const {
    auto record = std::make_shared<RequestRecord>();
    record->id = request_id_for(request);
    const http::RouteMatch match = router_.match(request.method, request.path);
    const std::string endpoint = match.pattern.empty() ? "unmatched" : match.pattern;
    note_request_started(metrics_, endpoint);
    HttpResponse response;
    {
        RecordScope scope(record.get());
        if (auto answer = preflight(request)) {
            response = std::move(*answer);
        } else if (auto draining = refuse_while_draining(request)) {
            response = std::move(*draining);
        } else if (auto refused = refuse_unauthenticated(request)) {
            response = std::move(*refused);
        } else if (auto forwarded = forward_if_isolated(request)) {
            response = std::move(*forwarded);
        } else {
            response = dispatch_request(router_, request);
        }
    }
    if (record->model.empty() && response.status != 401) {
        record->model = model_named_in_body(request);
    }
    response.headers.push_back({"X-Request-Id", record->id});
    add_cors_headers(request, response);
    RequestLine line{request.method, endpoint, request.remote_address,
                     access_.log_prompts ? request.body.substr(0, MAX_LOGGED_BODY) : std::string()};
    if (!response.stream) {
        complete(line, response.status, *record);
        return response;
    }
    // A stream is complete when its producer returns: wrap it, so that its tokens land in this record and
    // its duration covers the whole stream.
    response.stream = [this, inner = std::move(response.stream), record, line = std::move(line),
                       status = response.status](http::StreamWriter& out) {
        try {
            RecordScope scope(record.get());
            inner(out);
        } catch (...) {
            complete(line, status, *record);  // producers must not throw; if one does, it is still counted
            throw;
        }
        complete(line, status, *record);
    };
    return response;
}

HttpResponse Gateway::transport_error(int status, const std::string& message, std::string_view path) const {
    HttpResponse response = transport_error_response(status, message, path);
    RequestRecord record;
    record.id = random_id();
    response.headers.push_back({"X-Request-Id", record.id});
    note_request_started(metrics_, "transport");
    complete(RequestLine{"-", "transport", "", ""}, status, record);
    return response;
}

std::optional<HttpResponse> Gateway::preflight(const HttpRequest& request) const {
    const auto origin = request.header("Origin");
    if (request.method != "OPTIONS" || !origin || access_.cors_origins.empty() ||
        !request.header("Access-Control-Request-Method")) {
        return std::nullopt;
    }
    const bool listed =
        std::find(access_.cors_origins.begin(), access_.cors_origins.end(), *origin) != access_.cors_origins.end() ||
        std::find(access_.cors_origins.begin(), access_.cors_origins.end(), "*") != access_.cors_origins.end();
    if (!listed) {
        return std::nullopt;  // the route table answers (405): no CORS headers, so the browser refuses
    }
    HttpResponse response;
    response.status = 204;
    response.content_type = "text/plain";
    response.headers.push_back({"Access-Control-Allow-Methods", "GET, POST, OPTIONS"});
    response.headers.push_back(
        {"Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-Id, x-api-key, anthropic-version"});
    response.headers.push_back({"Access-Control-Max-Age", "600"});
    return response;
}

std::optional<HttpResponse> Gateway::refuse_unauthenticated(const HttpRequest& request) const {
    if (access_.api_keys.empty() || is_public_path(request.path, access_.metrics_public)) {
        return std::nullopt;
    }
    // OpenAI's SDKs send "Authorization: Bearer <key>"; Anthropic's send "x-api-key: <key>".
    const auto authorization = request.header("Authorization");
    const auto api_key = request.header("x-api-key");
    if (!authorization && !api_key) {
        return error_response(make_error(ErrorCode::UNAUTHENTICATED,
                                         "Missing API key: send it as "
                                         "'Authorization: Bearer <key>' or 'x-api-key: <key>'"),
                              request.path);
    }
    const bool admitted = (authorization && bearer_matches(*authorization, access_.api_keys)) ||
                          (api_key && key_matches(*api_key, access_.api_keys));
    if (!admitted) {
        return error_response(make_error(ErrorCode::UNAUTHENTICATED, "Incorrect API key provided"), request.path);
    }
    return std::nullopt;
}

std::optional<HttpResponse> Gateway::refuse_while_draining(const HttpRequest& request) const {
    if (phase_ == nullptr || phase_->load() != ServerPhase::DRAINING || request.path == "/health" ||
        request.path == "/v1/health" || request.path == "/metrics") {
        return std::nullopt;
    }
    // Nothing was started for this request: a proxy may safely send it to another replica (nginx:
    // proxy_next_upstream http_503 non_idempotent).
    HttpResponse response = error_response(
        make_error(ErrorCode::SHUTTING_DOWN, "This server is shutting down; retry on another replica"), request.path);
    response.headers.push_back({"Retry-After", "1"});
    return response;
}

std::optional<HttpResponse> Gateway::forward_if_isolated(const HttpRequest& request) const {
    if (request.method != "POST" || request.path.starts_with("/v1/models/")) {
        return std::nullopt;  // model administration stays here
    }
    // Whatever the body's size (images inline), so that every request naming the model reaches its process.
    const std::string name = body_model(request);
    const auto status = name.empty() ? std::nullopt : registry_.find(name);
    if (!status || !status->isolated) {
        return std::nullopt;
    }
    auto model = registry_.acquire_isolated(name);
    if (!model) {
        return error_response(model.error(), request.path);
    }
    return forward_to_isolated(request, std::move(*model));
}

void Gateway::add_cors_headers(const HttpRequest& request, HttpResponse& response) const {
    const auto origin = request.header("Origin");
    if (!origin || access_.cors_origins.empty()) {
        return;
    }
    const auto& origins = access_.cors_origins;
    if (std::find(origins.begin(), origins.end(), *origin) != origins.end()) {
        response.headers.push_back({"Access-Control-Allow-Origin", *origin});  // a listed one, never any
        response.headers.push_back({"Vary", "Origin"});
    } else if (std::find(origins.begin(), origins.end(), "*") != origins.end()) {
        response.headers.push_back({"Access-Control-Allow-Origin", "*"});
    } else {
        return;
    }
    response.headers.push_back({"Access-Control-Expose-Headers", "X-Request-Id, Retry-After"});
}

// A route that did not name its model (one added later, or a failure before it resolved one): the body's
// "model", when that is a model the registry knows, so that labels stay a closed set.
std::string Gateway::model_named_in_body(const HttpRequest& request) const {
    if (request.body.empty() || request.body.size() > MAX_BODY_FOR_MODEL) {
        return {};
    }
    std::string name = body_model(request);
    return registry_.find(name) ? name : std::string();
}

void Gateway::complete(const RequestLine& line, int status, const RequestRecord& record) const {
    const double duration_s = seconds_since(record.start);
    record_request(metrics_, line.endpoint, status, record, duration_s);
    std::vector<log::Field> fields{{"id", record.id},
                                   {"method", line.method},
                                   {"route", line.endpoint},
                                   {"model", record.model},
                                   {"status", int64_t{status}},
                                   {"prompt_tokens", record.prompt_tokens()},
                                   {"completion_tokens", record.completion_tokens()}};
    if (!record.choices.empty()) {
        fields.push_back({"ttft_ms", record.choices.front().timings.ttft_ms});
    }
    fields.push_back({"duration_ms", duration_s * 1000.0});
    if (!line.remote.empty()) {
        fields.push_back({"remote", line.remote});
    }
    if (!line.body.empty()) {
        fields.push_back({"body", line.body});
    }
    log::record(log::Level::INFO, "request", fields);
}

}  // namespace hearth::server

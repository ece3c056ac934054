#include "server/routes.h"

#include <exception>

#include "api/models_api.h"
#include "server/audio_routes.h"
#include "server/completion_routes.h"
#include "server/embedding_routes.h"
#include "server/isolated_metrics.h"
#include "server/messages_routes.h"
#include "server/model_routes.h"
#include "server/reply.h"
#include "server/responses_routes.h"
#include "server/server_metrics.h"
#include "server/speech_routes.h"
#include "util/log.h"
#include "util/version.h"

namespace hearth::server {

namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::RouteParams;

HttpResponse get_health(RouteContext& ctx, const HttpRequest& /*req*/, const RouteParams& /*params*/) {
    const ServerPhase phase = ctx.phase != nullptr ? ctx.phase->load() : ServerPhase::SERVING;
    const char* status = phase == ServerPhase::STARTING   ? "loading"
                         : phase == ServerPhase::DRAINING ? "draining"
                                                          : "ok";
    return to_http(api::health_reply(ctx.registry.list(), std::string(HEARTH_VERSION), status));
}

HttpResponse get_metrics(RouteContext& ctx, const HttpRequest& /*req*/, const RouteParams& /*params*/) {
    HttpResponse response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = scrape(ctx.metrics, ctx.registry.list());
    // Isolated models' generation and scheduler series come from their processes.
    std::vector<std::pair<std::string, std::string>> processes;
    for (const auto& [id, model] : ctx.registry.running_isolated()) {
        if (auto exposition = fetch_from_isolated(*model, "/metrics")) {
            processes.emplace_back(id, std::move(*exposition));
        }
    }
    if (!processes.empty()) {
        response.body = merge_process_metrics(response.body, processes);
    }
    return response;
}

}  // namespace

http::RouteHandler guard(http::RouteHandler inner) {
    return [inner = std::move(inner)](const HttpRequest& req, const RouteParams& params) -> HttpResponse {
        try {
            return inner(req, params);
        } catch (const std::exception& e) {
            log::error("{} {}: unhandled exception: {}", req.method, req.path, e.what());
        } catch (...) {
            log::error("{} {}: unhandled non-standard exception", req.method, req.path);
        }
        return error_response(make_error(ErrorCode::INTERNAL, "internal server error"));
    };
}

void register_routes(http::Router& router, RouteContext& ctx) {
    using Endpoint = HttpResponse (*)(RouteContext&, const HttpRequest&, const RouteParams&);
    const auto bind = [&ctx](Endpoint endpoint) {
        return guard(
            [&ctx, endpoint](const HttpRequest& req, const RouteParams& params) { return endpoint(ctx, req, params); });
    };
    // clang-format off
    // method      path                  handler
    router.add("GET", "/health",          bind(get_health));
    router.add("GET", "/v1/health",       bind(get_health));
    router.add("GET", "/metrics",         bind(get_metrics));
    router.add("GET", "/v1/models",       bind(get_models));
    router.add("GET", "/v1/models/{id*}", bind(get_model));
    router.add("POST", "/v1/models/{id*}", bind(post_model_action));  // {id}/load, {id}/unload
    router.add("POST", "/v1/chat/completions", bind(post_chat_completions));
    router.add("POST", "/v1/completions",      bind(post_completions));
    router.add("POST", "/v1/messages",         bind(post_messages));  // Anthropic's Messages API
    router.add("POST", "/v1/messages/count_tokens", bind(post_count_tokens));
    router.add("POST",   "/v1/responses",      bind(post_responses));  // OpenAI's Responses API
    router.add("GET",    "/v1/responses/{id}", bind(get_response));
    router.add("DELETE", "/v1/responses/{id}", bind(delete_response));
    router.add("POST", "/v1/audio/transcriptions", bind(post_transcriptions));
    router.add("POST", "/v1/audio/translations",   bind(post_translations));
    router.add("POST", "/v1/audio/speech",         bind(post_speech));
    router.add("GET",  "/v1/audio/voices",         bind(get_voices));
    router.add("POST", "/v1/embeddings",       bind(post_embeddings));
    router.add("POST", "/v1/rerank",           bind(post_rerank));
    router.add("POST", "/v1/reranking",        bind(post_rerank));
    router.add("POST", "/rerank",              bind(post_rerank));
    // OpenVINO Model Server's routes, on the same handlers.
    router.add("GET",  "/v1/config",            bind(get_ovms_config));
    router.add("GET",  "/v3/models",            bind(get_models));
    router.add("GET",  "/v3/models/{id*}",      bind(get_model));
    router.add("POST", "/v3/chat/completions",  bind(post_chat_completions));
    router.add("POST", "/v3/completions",       bind(post_completions));
    router.add("POST", "/v3/embeddings",        bind(post_embeddings));
    router.add("POST", "/v3/rerank",            bind(post_rerank));
    // clang-format on
}

HttpResponse dispatch_request(const http::Router& router, const HttpRequest& request) {
    http::RouteMatch match = router.match(request.method, request.path);
    switch (match.status) {
        case http::MatchStatus::FOUND: return (*match.handler)(request, match.params);
        case http::MatchStatus::BAD_PATH:
            return error_response(
                make_error(ErrorCode::INVALID_ARGUMENT, "malformed percent-encoding or invalid UTF-8 in the path"));
        case http::MatchStatus::METHOD_NOT_ALLOWED: {
            std::string allow;
            for (const std::string& m : match.allowed_methods) {
                allow += (allow.empty() ? "" : ", ") + m;
            }
            HttpResponse response = error_response(make_error(
                ErrorCode::METHOD_NOT_ALLOWED,
                "Method " + request.method + " is not allowed on " + request.path + " (allowed: " + allow + ")"));
            response.headers.push_back({"Allow", allow});
            return response;
        }
        case http::MatchStatus::NOT_FOUND: break;
    }
    return error_response(make_error(ErrorCode::NOT_FOUND, "Unknown route " + request.method + " " + request.path));
}

HttpResponse transport_error_response(int status, const std::string& message, std::string_view path) {
    ErrorCode code = ErrorCode::INVALID_ARGUMENT;
    if (status == 413) {
        code = ErrorCode::PAYLOAD_TOO_LARGE;
    } else if (status == 431) {
        code = ErrorCode::HEADERS_TOO_LARGE;
    }
    return error_response(make_error(code, message), path);
}

}  // namespace hearth::server

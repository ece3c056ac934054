#include "server/responses_routes.h"

#include <algorithm>
#include <cctype>

#include "api/completions_response.h"
#include "api/responses_request.h"
#include "api/responses_response.h"
#include "server/completion_routes.h"
#include "server/generation_runner.h"
#include "server/isolated_metrics.h"
#include "server/media_sources.h"
#include "server/reply.h"

namespace hearth::server {

namespace {

Error no_response(const std::string& id, std::string param = {}) {
    return make_error(ErrorCode::NOT_FOUND, "Response with id '" + id + "' not found.", std::move(param));
}

// A response stored by an isolated model lives in that model's process: asked there when not here.
std::optional<std::string> from_isolated(RouteContext& ctx, const std::string& id, const std::string& method) {
    const auto plain = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-'; };
    if (id.empty() || !std::all_of(id.begin(), id.end(), plain)) {
        return std::nullopt;  // ids are plain tokens (resp_...): never a path of the process's
    }
    for (const auto& [model_id, model] : ctx.registry.running_isolated()) {
        if (auto body = fetch_from_isolated(*model, "/v1/responses/" + id, method)) {
            return body;
        }
    }
    return std::nullopt;
}

}  // namespace

http::HttpResponse post_responses(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto request = api::parse_responses_request(req.body);
    if (!request) {
        return error_response(request.error());
    }
    std::string history;
    if (!request->previous_response_id.empty()) {
        auto previous = ctx.responses->get(request->previous_response_id);
        if (!previous) {
            return error_response(no_response(request->previous_response_id, "previous_response_id"));
        }
        history = std::move(previous->conversation);
    }
    auto params = api::responses_chat_params(*request, history, chat_request_limits(ctx.media));
    if (!params) {
        return error_response(params.error());
    }
    params->options.n = 1;
    auto chat = prepare_chat_generation(ctx, *params);
    if (!chat) {
        return error_response(chat.error());
    }
    api::ResponsesOptions options{api::new_item_id("resp"),
                                  api::unix_time_now(),
                                  params->options.model,
                                  request->stream,
                                  request->store,
                                  request->previous_response_id,
                                  request->echo,
                                  api::conversation_with(history, *request)};
    api::ResponseSink sink;
    if (request->store) {
        sink = [store = ctx.responses](const std::string& id, const std::string& body, const std::string& turns) {
            store->put(id, {body, turns});
        };
    }
    auto formatter = std::make_shared<api::ResponsesFormatter>(std::move(options), std::move(chat->parsers.front()),
                                                               std::move(sink));
    return run_generation(std::move(chat->generation), formatter, req);
}

http::HttpResponse get_response(RouteContext& ctx, const http::HttpRequest&, const http::RouteParams& params) {
    const std::string& id = params.at("id");
    auto stored = ctx.responses->get(id);
    http::HttpResponse response;
    if (stored) {
        response.body = std::move(stored->body);
    } else if (auto elsewhere = from_isolated(ctx, id, "GET")) {
        response.body = std::move(*elsewhere);
    } else {
        return error_response(no_response(id));
    }
    return response;
}

http::HttpResponse delete_response(RouteContext& ctx, const http::HttpRequest&, const http::RouteParams& params) {
    const std::string& id = params.at("id");
    if (!ctx.responses->erase(id) && !from_isolated(ctx, id, "DELETE")) {
        return error_response(no_response(id));
    }
    http::HttpResponse response;
    response.body = api::response_deleted_body(id);
    return response;
}

}  // namespace hearth::server

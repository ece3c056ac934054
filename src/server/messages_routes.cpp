#include "server/messages_routes.h"

#include "api/completions_response.h"
#include "api/messages_request.h"
#include "api/messages_response.h"
#include "api/openai_error.h"
#include "api/responses_response.h"
#include "server/completion_routes.h"
#include "server/generation_runner.h"
#include "server/media_sources.h"
#include "server/reply.h"

namespace hearth::server {

namespace {

// The body as a chat request, prepared on the chat path; one message per request (Anthropic has no n).
Result<std::pair<api::ChatParams, ChatGeneration>> prepare_messages(RouteContext& ctx, const http::HttpRequest& req,
                                                                    api::MessagesBody kind) {
    auto params = api::messages_params_from_body(req.body, kind, chat_request_limits(ctx.media));
    if (!params) {
        return params.error();
    }
    params->options.n = 1;
    auto chat = prepare_chat_generation(ctx, *params);
    if (!chat) {
        return chat.error();
    }
    return std::make_pair(std::move(*params), std::move(*chat));
}

}  // namespace

http::HttpResponse post_messages(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto prepared = prepare_messages(ctx, req, api::MessagesBody::CREATE);
    if (!prepared) {
        return anthropic_error_response(prepared.error());
    }
    auto& [params, chat] = *prepared;
    api::MessagesOptions options{api::new_item_id("msg"), params.options.model, params.options.stream,
                                 static_cast<int32_t>(chat.generation.prompt.size())};
    auto formatter = std::make_shared<api::MessagesFormatter>(std::move(options), std::move(chat.parsers.front()));
    return run_generation(std::move(chat.generation), formatter, req);
}

http::HttpResponse post_count_tokens(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    auto prepared = prepare_messages(ctx, req, api::MessagesBody::COUNT_TOKENS);
    if (!prepared) {
        return anthropic_error_response(prepared.error());
    }
    http::HttpResponse response;
    response.body = api::count_tokens_body(static_cast<int64_t>(prepared->second.generation.prompt.size()));
    return response;
}

}  // namespace hearth::server

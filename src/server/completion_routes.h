#pragma once
// POST /v1/chat/completions and POST /v1/completions: parse (api), render and tokenize the prompt with the
// model's own template and vocabulary, then run the generation (generation_runner).

#include <memory>
#include <vector>

#include "api/completions_request.h"
#include "core/chat_output.h"
#include "http/router.h"
#include "server/generation_runner.h"
#include "server/routes.h"

namespace hearth::server {

// A resolved chat request made ready to run: its model acquired, images fetched, prompt rendered with the
// model's template, grammar and stops set, bounded by the context; one output parser per choice. Every chat
// API (/v1/chat/completions, /v1/messages, /v1/responses) runs through here.
struct ChatGeneration {
    PreparedGeneration generation;
    std::vector<std::unique_ptr<core::ChatOutputParser>> parsers;
};
Result<ChatGeneration> prepare_chat_generation(RouteContext& ctx, const api::ChatParams& params);

http::HttpResponse post_chat_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse post_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);

}  // namespace hearth::server

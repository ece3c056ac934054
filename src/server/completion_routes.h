#pragma once
// POST /v1/chat/completions and POST /v1/completions: parse (api), render and tokenize the prompt with the
// model's own template and vocabulary, then run the generation (generation_runner).

#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_chat_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse post_completions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);

}  // namespace hearth::server

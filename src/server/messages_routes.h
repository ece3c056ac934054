#pragma once
// POST /v1/messages and POST /v1/messages/count_tokens (Anthropic's Messages API): the body becomes the same
// ChatParams as a chat completion (api/messages_request.h) and runs through the same preparation and
// generation runner; only the wire format (api/messages_response.h) and the error shape differ.

#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_messages(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse post_count_tokens(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);

}  // namespace hearth::server

#pragma once
// OpenAI's Responses API: POST /v1/responses (the body becomes the same ChatParams as a chat completion,
// api/responses_request.h, and runs through the same preparation and generation runner), GET and DELETE
// /v1/responses/{id} against the bounded in-memory store (server/response_store.h).

#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_responses(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse get_response(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams& params);
http::HttpResponse delete_response(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams& params);

}  // namespace hearth::server

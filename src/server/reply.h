#pragma once
// Conversions from api replies and errors to http responses (server-internal).

#include <string_view>

#include "api/api_reply.h"
#include "http/http_types.h"
#include "util/result.h"

namespace hearth::server {

http::HttpResponse to_http(api::ApiReply reply);
http::HttpResponse error_response(const Error& error);
// The error in the shape the route's clients read: Anthropic's under /v1/messages, OpenAI's elsewhere.
http::HttpResponse error_response(const Error& error, std::string_view path);
http::HttpResponse anthropic_error_response(const Error& error);

}  // namespace hearth::server

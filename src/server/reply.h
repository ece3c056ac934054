#pragma once
// Conversions from api replies and errors to http responses (server-internal).

#include "api/api_reply.h"
#include "http/http_types.h"
#include "util/result.h"

namespace hearth::server {

http::HttpResponse to_http(api::ApiReply reply);
http::HttpResponse error_response(const Error& error);

}  // namespace hearth::server

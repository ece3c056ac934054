#pragma once
// POST /v1/audio/transcriptions and POST /v1/audio/translations (multipart uploads, whisper models).

#include "http/http_types.h"
#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_transcriptions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse post_translations(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);

}  // namespace hearth::server

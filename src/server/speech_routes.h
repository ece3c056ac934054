#pragma once
// POST /v1/audio/speech (text-to-speech, streamed as it is produced) and GET /v1/audio/voices.

#include "http/http_types.h"
#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_speech(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse get_voices(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);

}  // namespace hearth::server

#pragma once
// POST /v1/models/pull: `hearth pull` on the server, into its models directory (src/pull), with progress as
// server-sent events or one JSON answer at the end; the pulled model is listed as soon as it is done. A
// client that goes away cancels the pull (the .part file stays for the next one to resume). Behind the API
// key like the rest of the model admin API; the hub's token and endpoint come from the server's environment
// ($HF_TOKEN, $HF_ENDPOINT), never from a request.

#include "http/http_types.h"
#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_model_pull(RouteContext& ctx, const http::HttpRequest& req);

}  // namespace hearth::server

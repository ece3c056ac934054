#pragma once
// The model admin API: GET /v1/models, GET /v1/models/{id}, POST /v1/models/{id}/load (an optional JSON
// object of load options overriding the configured ones) and POST /v1/models/{id}/unload; GET /v1/config,
// the same states in OpenVINO Model Server's shape.

#include "http/http_types.h"
#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse get_models(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams& params);
http::HttpResponse get_model(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams& params);
http::HttpResponse get_ovms_config(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams& params);
// {id*} holds "<model id>/load" or "<model id>/unload" (model ids may contain '/').
http::HttpResponse post_model_action(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams& params);

}  // namespace hearth::server

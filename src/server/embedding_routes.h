#pragma once
// POST /v1/embeddings and POST /v1/rerank (also /rerank and /v1/reranking): parse (api), tokenize with the
// model's vocabulary on the handler thread, bound every input by the model's context, then hand the inputs to
// the model's embedding scheduler, which batches them with other requests, and wait for the outputs.

#include "http/router.h"
#include "server/routes.h"

namespace hearth::server {

http::HttpResponse post_embeddings(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);
http::HttpResponse post_rerank(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&);

}  // namespace hearth::server

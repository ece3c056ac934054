#include "server/web_routes.h"

#include <string>

#include "server/reply.h"
#include "web/web_assets.h"

namespace hearth::server {

namespace {

// Scripts, styles, connections and media from this server only; images also from data: and blob: URLs (an
// attached image's preview, a recorded clip); no plugins, no framing, no base or form targets.
constexpr const char* CSP =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

http::HttpResponse asset_response(const web::WebAsset& asset) {
    http::HttpResponse response;
    response.content_type = std::string(asset.content_type);
    if (asset.content_type.starts_with("text/")) {
        response.content_type += "; charset=utf-8";
    }
    response.body = std::string(asset.body);
    response.headers.push_back({"Content-Security-Policy", CSP});
    response.headers.push_back({"X-Content-Type-Options", "nosniff"});
    response.headers.push_back({"Referrer-Policy", "no-referrer"});
    response.headers.push_back({"Cache-Control", "no-cache"});
    return response;
}

http::HttpResponse serve(std::string_view path) {
    for (const web::WebAsset& asset : web::assets()) {
        if (asset.path == path) {
            return asset_response(asset);
        }
    }
    return error_response(make_error(ErrorCode::NOT_FOUND, "Unknown route GET " + std::string(path)));
}

}  // namespace

void register_web_routes(http::Router& router) {
    router.add("GET", "/", [](const http::HttpRequest&, const http::RouteParams&) { return serve("/ui/index.html"); });
    router.add("GET", "/ui/{file*}", [](const http::HttpRequest&, const http::RouteParams& params) {
        return serve("/ui/" + params.at("file"));
    });
}

}  // namespace hearth::server

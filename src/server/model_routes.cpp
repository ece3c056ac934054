#include "server/model_routes.h"

#include "api/json_body.h"
#include "api/model_config_json.h"
#include "api/models_api.h"
#include "api/ovms_config.h"
#include "server/isolated_metrics.h"
#include "server/pull_routes.h"
#include "server/reply.h"
#include "server/request_record.h"

namespace hearth::server {

namespace {

using http::HttpRequest;
using http::HttpResponse;
using http::RouteParams;

Error no_model(const std::string& id) {
    return make_error(ErrorCode::MODEL_NOT_FOUND, "The model '" + id + "' does not exist", "model");
}

// An empty body loads with the configured options; otherwise a JSON object of overrides.
Result<core::LoadOptions> load_overrides(const HttpRequest& req) {
    if (req.body.find_first_not_of(" \t\r\n") == std::string::npos) {
        return core::LoadOptions{};
    }
    auto body = api::parse_json_object(req.body);
    if (!body) {
        return body.error();
    }
    return api::parse_load_options(*body, "");
}

HttpResponse load_model(RouteContext& ctx, const HttpRequest& req, const std::string& id) {
    if (!ctx.registry.find(id)) {
        return error_response(no_model(id));
    }
    auto overrides = load_overrides(req);
    if (!overrides) {
        return error_response(overrides.error());
    }
    auto status = ctx.registry.load(id, *overrides);
    return status ? to_http(api::model_reply(*status)) : error_response(status.error());
}

}  // namespace

HttpResponse get_models(RouteContext& ctx, const HttpRequest& /*req*/, const RouteParams& /*params*/) {
    return to_http(api::models_list_reply(ctx.registry.list(), ctx.registry.rejected()));
}

HttpResponse get_ovms_config(RouteContext& ctx, const HttpRequest& /*req*/, const RouteParams& /*params*/) {
    return to_http(api::ovms_config_reply(ctx.registry.list()));
}

HttpResponse get_model(RouteContext& ctx, const HttpRequest& /*req*/, const RouteParams& params) {
    const std::string& id = params.at("id");
    auto model = ctx.registry.find(id);
    if (!model) {
        return error_response(no_model(id));
    }
    note_model(id);
    // An isolated model's scheduler counters are in its process.
    std::string process_status;
    if (model->isolated && model->state == registry::ModelState::READY) {
        for (const auto& [running, process] : ctx.registry.running_isolated()) {
            if (running == id) {
                process_status = fetch_from_isolated(*process, "/v1/models/" + id).value_or("");
            }
        }
    }
    return to_http(api::model_reply(*model, process_status));
}

HttpResponse post_model_action(RouteContext& ctx, const HttpRequest& req, const RouteParams& params) {
    const std::string& path = params.at("id");
    if (path == "pull") {
        return post_model_pull(ctx, req);
    }
    const size_t slash = path.rfind('/');
    const std::string action = slash == std::string::npos ? "" : path.substr(slash + 1);
    const std::string id = slash == std::string::npos ? path : path.substr(0, slash);
    if (action == "load") {
        return load_model(ctx, req, id);
    }
    if (action == "unload") {
        auto status = ctx.registry.unload(id);
        return status ? to_http(api::model_reply(*status)) : error_response(status.error());
    }
    return error_response(
        make_error(ErrorCode::NOT_FOUND,
                   "Unknown route POST " + req.path + " (POST /v1/models/{id}/load or /v1/models/{id}/unload)"));
}

}  // namespace hearth::server

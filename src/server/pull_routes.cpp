#include "server/pull_routes.h"

#include <atomic>
#include <chrono>
#include <memory>

#include "api/pull_api.h"
#include "api/sse.h"
#include "pull/hub_ref.h"
#include "pull/puller.h"
#include "server/reply.h"
#include "util/log.h"
#include "util/poll_watcher.h"

namespace hearth::server {

namespace {

constexpr auto WATCH_INTERVAL = std::chrono::milliseconds(100);

std::string_view status_of(pull::PullEvent::Kind kind) {
    switch (kind) {
        case pull::PullEvent::Kind::RESOLVING: return "resolving";
        case pull::PullEvent::Kind::DOWNLOADING: return "downloading";
        case pull::PullEvent::Kind::VERIFYING: return "verifying";
        case pull::PullEvent::Kind::FILE_DONE: return "downloaded";
    }
    return "downloading";
}

// Runs the pull; the registry lists the model at once when it succeeds.
Result<pull::PullResult> run_pull(registry::ModelRegistry& registry, const std::string& ref,
                                  const pull::PullOptions& options, const pull::PullListener& listener) {
    log::info("pulling {} into {}", ref, options.models_dir);
    auto pulled = pull::pull_model(ref, options, listener);
    if (!pulled) {
        log::warn("pull of {} failed: {}", ref, pulled.error().message);
        return pulled;
    }
    registry.rescan();
    log::info("pulled {} ({} files, revision {})", pulled->name, pulled->files.size(), pulled->revision);
    return pulled;
}

http::HttpResponse stream_pull(registry::ModelRegistry& registry, const std::string& ref, pull::PullOptions options) {
    http::HttpResponse response;
    response.content_type = std::string(api::SSE_CONTENT_TYPE);
    response.stream = [&registry, ref, options](http::StreamWriter& out) mutable {
        const auto stop = std::make_shared<std::atomic<bool>>(false);
        options.stop = stop.get();
        const PollWatcher watcher(
            WATCH_INTERVAL, [&out] { return out.disconnected(); }, [stop] { stop->store(true); });
        const auto listener = [&out](const pull::PullEvent& e) {
            if (e.kind == pull::PullEvent::Kind::FILE_DONE) {
                return;  // the stream's "verifying" and then "success" say as much
            }
            const bool sized =
                e.kind == pull::PullEvent::Kind::DOWNLOADING || e.kind == pull::PullEvent::Kind::FILE_DONE;
            out.write(
                api::sse_event(api::pull_status_json(status_of(e.kind), e.file, e.completed, sized ? e.total : -1)));
        };
        auto pulled = run_pull(registry, ref, options, listener);
        if (pulled) {
            out.write(api::sse_event(api::pull_success_json(pulled->name, pulled->files)));
        } else if (pulled.error().code != ErrorCode::CANCELLED) {
            out.write(api::sse_event(api::pull_error_json(pulled.error())));
        }
    };
    return response;
}

}  // namespace

http::HttpResponse post_model_pull(RouteContext& ctx, const http::HttpRequest& req) {
    auto params = api::parse_pull_request(req.body);
    if (!params) {
        return error_response(params.error());
    }
    // What can be refused before any transfer gets its own status, streaming or not.
    if (auto ref = pull::parse_hub_ref(params->model); !ref) {
        return error_response(make_error(ref.error().code, ref.error().message, "model"));
    }
    pull::PullOptions options = pull::pull_options_from_env();
    options.models_dir = ctx.registry.models_dir();
    if (options.models_dir.empty()) {
        return error_response(make_error(ErrorCode::UNSUPPORTED, "the server has no models directory to pull into"));
    }
    if (options.offline) {
        return error_response(make_error(ErrorCode::UNSUPPORTED, "the server is offline (HEARTH_OFFLINE=1)"));
    }
    if (params->stream) {
        return stream_pull(ctx.registry, params->model, options);
    }
    std::atomic<bool> stop{false};
    options.stop = &stop;
    Result<pull::PullResult> pulled = make_error(ErrorCode::INTERNAL, "not run");
    {
        const PollWatcher watcher(
            WATCH_INTERVAL, [&req] { return req.client_gone(); }, [&stop] { stop.store(true); });
        pulled = run_pull(ctx.registry, params->model, options, {});
    }
    if (!pulled) {
        return error_response(pulled.error());
    }
    http::HttpResponse response;
    response.body = api::pull_success_json(pulled->name, pulled->files);
    return response;
}

}  // namespace hearth::server

#include "server/audio_routes.h"

#include <atomic>
#include <chrono>
#include <thread>

#include "api/audio_request.h"
#include "api/audio_response.h"
#include "server/reply.h"
#include "server/request_record.h"
#include "util/poll_watcher.h"

namespace hearth::server {

namespace {

http::HttpResponse handle_audio(RouteContext& ctx, const http::HttpRequest& req, bool translation) {
    if (req.body.size() > ctx.audio_limits.max_upload_bytes) {
        return error_response(make_error(ErrorCode::PAYLOAD_TOO_LARGE,
                                         "the upload is " + std::to_string(req.body.size()) + " bytes; the limit is " +
                                             std::to_string(ctx.audio_limits.max_upload_bytes),
                                         "file"));
    }
    auto request = api::parse_audio_request(req.header("Content-Type").value_or(""), req.body, translation);
    if (!request) {
        return error_response(request.error());
    }
    auto model = ctx.registry.acquire_speech(request->model);
    if (!model) {
        return error_response(model.error());
    }
    note_model(request->model);
    std::atomic<bool> stop{false};
    Result<core::Transcript> transcript = make_error(ErrorCode::INTERNAL, "not run");
    {
        // A transcription nobody will read stops early.
        PollWatcher watcher(
            std::chrono::milliseconds(100), [&req] { return req.client_gone(); }, [&stop] { stop.store(true); });
        transcript = (*model)->transcribe(request->file, request->options, ctx.audio_limits.max_audio_seconds, &stop);
    }
    if (!transcript) {
        return error_response(transcript.error());
    }
    return to_http(api::transcript_reply(*transcript, *request));
}

}  // namespace

http::HttpResponse post_transcriptions(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    return handle_audio(ctx, req, false);
}

http::HttpResponse post_translations(RouteContext& ctx, const http::HttpRequest& req, const http::RouteParams&) {
    return handle_audio(ctx, req, true);
}

}  // namespace hearth::server

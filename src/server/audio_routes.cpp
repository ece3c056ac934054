#include "server/audio_routes.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api/audio_request.h"
#include "api/audio_response.h"
#include "server/reply.h"
#include "server/request_record.h"

namespace hearth::server {

namespace {

// Sets `stop` once the client has gone, until destroyed: a transcription nobody will read stops early. Polls
// every 100 ms, but ends at once when the transcription does (a wait on a condition, not a sleep).
class GoneWatcher {
public:
    GoneWatcher(const http::HttpRequest& req, std::atomic<bool>& stop)
        : thread_([&req, &stop, this] {
              std::unique_lock lock(mutex_);
              while (!done_) {
                  if (req.client_gone()) {
                      stop.store(true);
                      return;
                  }
                  wake_.wait_for(lock, std::chrono::milliseconds(100));
              }
          }) {}
    ~GoneWatcher() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        wake_.notify_all();
        thread_.join();
    }
    GoneWatcher(const GoneWatcher&) = delete;
    GoneWatcher& operator=(const GoneWatcher&) = delete;

private:
    std::mutex mutex_;
    std::condition_variable wake_;
    bool done_ = false;   // guarded by mutex_
    std::thread thread_;  // last: started once the members above exist
};

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
        GoneWatcher watcher(req, stop);
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

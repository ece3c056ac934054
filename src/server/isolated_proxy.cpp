#include "server/isolated_proxy.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "api/openai_error.h"
#include "http/http_client.h"
#include "server/reply.h"
#include "util/channel.h"

namespace hearth::server {

namespace {

constexpr size_t PIECES_BUFFERED = 256;                    // the reader waits for room: bounded memory for any answer
constexpr auto ANSWER_TIMEOUT = std::chrono::minutes(10);  // per network step: a long prefill before a token

// The answer as the upstream thread reads it; the handler (and then the stream producer) takes it from here.
struct Upstream {
    Channel<std::string> pieces{PIECES_BUFFERED};
    std::mutex mutex;
    std::condition_variable changed;
    std::optional<http::ClientResponse> head;  // status and headers, once they came
    std::optional<Error> error;                // a transport failure (the process ended, say)
    bool done = false;
    std::atomic<bool> cancelled{false};  // the client went away: stop reading
};

// The thread reading the answer: joined when the answer is complete, let go (it ends at its next piece or its
// timeout) when the client left first or the stream was never started.
struct ReaderThread {
    std::thread thread;
    ~ReaderThread() {
        if (thread.joinable()) {
            thread.detach();
        }
    }
};

http::ClientRequest upstream_request(const http::HttpRequest& request, const registry::IsolatedModel& model) {
    http::ClientRequest out;
    out.method = request.method;
    out.target = request.target;
    out.body = request.body;
    for (const char* name : {"Content-Type", "Accept", "X-Request-Id", "anthropic-version"}) {
        if (auto value = request.header(name)) {
            out.headers.push_back({name, *value});
        }
    }
    out.headers.push_back({"Authorization", "Bearer " + model.token()});  // never the client's key
    return out;
}

void read_upstream(const std::shared_ptr<Upstream>& up, const http::ClientRequest& request, uint16_t port) {
    http::HttpClient client("127.0.0.1", port, ANSWER_TIMEOUT);
    auto answer = client.send(request, [&up](const http::ClientResponse& head, std::string_view piece) {
        {
            std::lock_guard lock(up->mutex);
            if (!up->head) {
                up->head = head;
                up->changed.notify_all();
            }
        }
        while (!up->cancelled) {
            const PushResult pushed = up->pieces.push(std::string(piece));
            if (pushed != PushResult::FULL) {
                return pushed == PushResult::OK;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        return false;
    });
    std::lock_guard lock(up->mutex);
    if (!answer && !up->cancelled) {
        up->error = answer.error();
    } else if (answer && !up->head) {
        up->head = *answer;  // a body the sink never saw (empty)
        up->pieces.push(answer->body);
    }
    up->done = true;
    up->pieces.close();
    up->changed.notify_all();
}

std::string process_gone(const registry::IsolatedModel& model, const Error& error) {
    return "The model's process did not answer (" + error.message + ")" + (model.alive() ? "" : ": " + model.failure());
}

// The SSE event that ends a stream whose process ended mid-answer.
std::string error_event(const std::string& message) {
    return "data: " + api::error_body(make_error(ErrorCode::UPSTREAM, message)) + "\n\n";
}

// Takes the pieces as they come (the channel is bounded: the reader waits for room), until the reader is done.
http::HttpResponse whole_answer(const std::shared_ptr<Upstream>& up) {
    http::HttpResponse response;
    response.status = up->head->status;
    for (const auto& h : up->head->headers) {
        if (http::iequals(h.name, "Content-Type")) {
            response.content_type = h.value;
        } else if (http::iequals(h.name, "Retry-After")) {
            response.headers.push_back(h);
        }
    }
    for (;;) {
        std::optional<std::string> piece;
        const PopStatus popped = up->pieces.pop(piece, std::chrono::milliseconds(100));
        if (popped == PopStatus::CLOSED) {
            return response;
        }
        if (popped == PopStatus::OK) {
            response.body += *piece;
        }
    }
}

std::string content_type_of(const http::ClientResponse& head) {
    for (const auto& h : head.headers) {
        if (http::iequals(h.name, "Content-Type")) {
            return h.value;
        }
    }
    return {};
}

bool is_event_stream(const http::ClientResponse& head) {
    return content_type_of(head).find("text/event-stream") != std::string::npos;
}

// Passed on piece by piece: events, and answers sent as they are made (a 200 without a length up front:
// synthesized speech).
bool is_stream(const http::ClientResponse& head) {
    const bool sized = std::any_of(head.headers.begin(), head.headers.end(),
                                   [](const http::Header& h) { return http::iequals(h.name, "Content-Length"); });
    return is_event_stream(head) || (head.status == 200 && !sized);
}

}  // namespace

http::HttpResponse forward_to_isolated(const http::HttpRequest& request,
                                       std::shared_ptr<registry::IsolatedModel> model) {
    auto up = std::make_shared<Upstream>();
    auto reader = std::make_shared<ReaderThread>();
    reader->thread = std::thread(
        [up, req = upstream_request(request, *model), port = model->port()] { read_upstream(up, req, port); });
    std::unique_lock lock(up->mutex);
    up->changed.wait(lock, [&up] { return up->head.has_value() || up->done; });
    if (!up->head) {
        const Error error = up->error.value_or(make_error(ErrorCode::UPSTREAM, "no answer"));
        lock.unlock();
        reader->thread.join();
        return error_response(make_error(ErrorCode::UPSTREAM, process_gone(*model, error)), request.path);
    }
    if (!is_stream(*up->head)) {
        lock.unlock();
        http::HttpResponse response = whole_answer(up);
        reader->thread.join();
        if (up->error) {
            return error_response(make_error(ErrorCode::UPSTREAM, process_gone(*model, *up->error)), request.path);
        }
        return response;
    }
    const bool events = is_event_stream(*up->head);
    lock.unlock();
    http::HttpResponse response;
    response.status = up->head->status;
    response.content_type = content_type_of(*up->head);
    if (events) {
        response.headers.push_back({"Cache-Control", "no-cache"});
    }
    response.stream = [up, reader, model, events](http::StreamWriter& out) {
        for (;;) {
            std::optional<std::string> piece;
            const PopStatus popped = up->pieces.pop(piece, std::chrono::milliseconds(100));
            if (popped == PopStatus::CLOSED) {
                break;
            }
            if ((popped == PopStatus::OK && !out.write(*piece)) || out.disconnected()) {
                up->cancelled = true;  // the reader stops at its next piece; the process sees the disconnect
                reader->thread.detach();
                return;
            }
        }
        reader->thread.join();
        std::lock_guard guard(up->mutex);
        if (up->error && events) {  // audio cut short has no place for a message: it ends there
            out.write(error_event(process_gone(*model, *up->error)));
        }
    };
    return response;
}

}  // namespace hearth::server

// Streamed responses (server-sent events) of HttpSession. The producer runs on a handler thread and hands
// each chunk to the connection's strand, waiting until it is written; meanwhile the disconnect probe the
// session armed before the handler ran (http_session.cpp) notices a client that goes away, so generation
// can stop within one step.

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <future>

#include "http/http_session.h"
#include "util/log.h"

namespace hearth::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

// The StreamWriter a producer sees. Holds the session alive for as long as the producer runs.
class SessionStreamWriter final : public StreamWriter {
public:
    explicit SessionStreamWriter(std::shared_ptr<HttpSession> session) : session_(std::move(session)) {}
    bool write(std::string_view data) override { return !data.empty() ? session_->write_chunk(data) : !disconnected(); }
    bool disconnected() const override { return session_->disconnected_.load(); }

private:
    std::shared_ptr<HttpSession> session_;
};

void HttpSession::run_stream(HttpResponse response) {
    StreamProducer producer = std::move(response.stream);
    if (!start_stream(response)) {
        net::post(stream_.get_executor(), [self = shared_from_this()] {
            self->end_request();
            self->close();
        });
        return;
    }
    SessionStreamWriter writer(shared_from_this());
    try {
        producer(writer);
    } catch (const std::exception& e) {
        // The status line is already sent: all that is left is to end the stream.
        log::error("http: stream producer threw: {}", e.what());
    } catch (...) {
        log::error("http: stream producer threw a non-standard exception");
    }
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->finish_stream(); });
}

// Sends the status line and headers; blocks the handler thread until they are written.
bool HttpSession::start_stream(HttpResponse& response) {
    std::promise<bool> sent;
    std::future<bool> header_sent = sent.get_future();  // taken before the strand can set it
    net::post(stream_.get_executor(), [this, &response, &sent] {
        chunked_ = http_version_ >= 11;
        keep_alive_ = keep_alive_ && chunked_ && !shared_.draining->load();
        auto& header = stream_header_.emplace();
        set_head(header, response, http_version_, keep_alive_);
        header.chunked(chunked_);
        auto& serializer = stream_serializer_.emplace(header);
        stream_.expires_after(shared_.config.write_timeout);
        bhttp::async_write_header(stream_, serializer,
                                  [self = shared_from_this(), &sent](beast::error_code ec, std::size_t) {
                                      self->stream_.expires_never();
                                      sent.set_value(!ec);
                                  });
    });
    return await_write(header_sent);
}

bool HttpSession::write_chunk(std::string_view data) {
    if (disconnected_.load()) {
        return false;
    }
    std::promise<bool> written;
    std::future<bool> chunk_written = written.get_future();  // taken before the strand can set it
    net::post(stream_.get_executor(), [this, data, &written] {
        chunk_.assign(data);
        auto done = [self = shared_from_this(), &written](beast::error_code ec, std::size_t) {
            self->stream_.expires_never();
            if (ec) {
                self->disconnected_ = true;
            }
            written.set_value(!ec);
        };
        // A client that stops reading must not hold the producer forever.
        stream_.expires_after(shared_.config.write_timeout);
        if (chunked_) {
            net::async_write(stream_, bhttp::make_chunk(net::buffer(chunk_)), done);
        } else {
            net::async_write(stream_, net::buffer(chunk_), done);
        }
    });
    return await_write(chunk_written);
}

// Waits for a write the strand runs. Once the server stops, a client that does not read must not hold the
// handler thread, and so the shutdown, for the whole write timeout: its connection is closed, which ends the
// write at once.
bool HttpSession::await_write(std::future<bool>& written) {
    while (written.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
        if (shared_.stopping->load()) {
            net::post(stream_.get_executor(), [self = shared_from_this()] { self->close(); });
            break;
        }
    }
    return written.get();
}

void HttpSession::finish_stream() {
    const auto resume = [self = shared_from_this()](beast::error_code ec, std::size_t) {
        self->stream_.expires_never();
        self->end_request();
        if (ec) {
            return self->close();
        }
        self->after_response();
    };
    if (disconnected_.load()) {
        end_request();
        return close();
    }
    stream_.expires_after(shared_.config.write_timeout);
    if (chunked_) {
        net::async_write(stream_, bhttp::make_chunk_last(), resume);
    } else {
        resume(beast::error_code{}, 0);
    }
}

}  // namespace hearth::http::detail

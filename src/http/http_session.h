#pragma once
// One HTTP connection (internal to src/http). Reads requests with Beast under limits and timeouts, hands
// each to the handler pool (watching meanwhile for the client leaving), writes the response back on the
// connection's strand, loops while keep-alive.
// Ownership: the session owns its socket and keeps itself alive through shared_from_this while an
// operation is pending.

#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <future>
#include <memory>
#include <optional>
#include <string_view>

#include "http/http_server.h"

namespace hearth::http::detail {

// What every session shares: set once by HttpServer, read-only afterwards.
struct SessionShared {
    HttpServerConfig config;
    HttpHandler handler;
    HttpErrorFormatter error_formatter;
    boost::asio::thread_pool* handler_pool = nullptr;  // owned by HttpServer::Impl, outlives sessions
    // Owned by HttpServer::Impl, outlive sessions; updated by sessions.
    std::atomic<int>* connections = nullptr;  // open sessions
    std::atomic<int>* in_flight = nullptr;    // requests read and not yet fully answered
    std::atomic<bool>* draining = nullptr;    // shutting down: no keep-alive after the current response
    std::atomic<bool>* stopping = nullptr;    // stopping: streams blocked on a client that does not read end
};

// Status line and headers of `response` onto a Beast message, for whole and streamed responses alike.
template <typename Body>
void set_head(boost::beast::http::response<Body>& message, const HttpResponse& response, unsigned version,
              bool keep_alive) {
    message.version(version);
    message.result(static_cast<unsigned>(response.status));
    message.set(boost::beast::http::field::server, "hearth");
    message.set(boost::beast::http::field::content_type, response.content_type);
    for (const Header& h : response.headers) {
        message.insert(h.name, h.value);
    }
    message.keep_alive(keep_alive);
}

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(boost::asio::ip::tcp::socket&& socket, const SessionShared& shared);
    ~HttpSession();
    HttpSession(const HttpSession&) = delete;
    HttpSession& operator=(const HttpSession&) = delete;
    void start();

private:
    void wait_for_request();
    void on_request_start(boost::beast::error_code ec, std::size_t bytes);
    void read_request();
    void on_read(boost::beast::error_code ec, std::size_t bytes);
    void dispatch(HttpRequest request);
    void write(HttpResponse response);
    void on_write(boost::beast::error_code ec, std::size_t bytes);
    void send_transport_error(int status, const std::string& message);

    // Streaming (http_stream.cpp). run_stream runs on the handler thread; the rest on the strand.
    void run_stream(HttpResponse response);
    bool start_stream(HttpResponse& response);
    bool write_chunk(std::string_view data);
    bool await_write(std::future<bool>& written);
    void finish_stream();
    friend class SessionStreamWriter;

    // While a handler runs and its response goes out, a read armed on the socket notices the client going
    // away; after the response, keep-alive goes on once that read is out of the way.
    void watch_for_disconnect();
    void on_probe(boost::beast::error_code ec, std::size_t bytes);
    void after_response();

    // The request in flight is fully answered (or abandoned): counted out of SessionShared::in_flight once.
    void end_request();

    void linger();
    void drain();
    void close();

    boost::beast::tcp_stream stream_;
    boost::beast::flat_buffer buffer_;
    std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
    boost::beast::http::response<boost::beast::http::string_body> response_;
    const SessionShared& shared_;
    unsigned http_version_ = 11;
    bool keep_alive_ = true;
    bool first_request_ = true;
    bool linger_on_close_ = false;             // after a transport error: drain what the client still sends
    std::atomic<bool> request_active_{false};  // counted in SessionShared::in_flight

    // Streaming state; touched on the strand.
    std::optional<boost::beast::http::response<boost::beast::http::empty_body>> stream_header_;
    std::optional<boost::beast::http::response_serializer<boost::beast::http::empty_body>> stream_serializer_;
    std::string chunk_;
    bool chunked_ = true;  // HTTP/1.0 clients get raw bytes and a close instead

    // Disconnect probe; touched on the strand except where noted.
    bool probe_pending_ = false;             // a read is armed to notice the client going away
    bool resume_after_probe_ = false;        // the response is out: continue keep-alive once the probe is cancelled
    std::atomic<bool> disconnected_{false};  // read from the handler thread
};

}  // namespace hearth::http::detail

#pragma once
// One HTTP connection (internal to src/http). Reads requests with Beast under limits and timeouts, hands
// each to the handler pool, writes the response back on the connection's strand, loops while keep-alive.
// Ownership: the session owns its socket and keeps itself alive through shared_from_this while an
// operation is pending.

#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <memory>
#include <optional>

#include "http/http_server.h"

namespace hearth::http::detail {

// What every session shares: set once by HttpServer, read-only afterwards.
struct SessionShared {
    HttpServerConfig config;
    HttpHandler handler;
    HttpErrorFormatter error_formatter;
    boost::asio::thread_pool* handler_pool = nullptr;  // owned by HttpServer::Impl, outlives sessions
};

class HttpSession : public std::enable_shared_from_this<HttpSession> {
public:
    HttpSession(boost::asio::ip::tcp::socket&& socket, const SessionShared& shared);
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
    bool linger_on_close_ = false;  // after a transport error: drain what the client still sends
};

}  // namespace hearth::http::detail

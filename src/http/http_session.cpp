#include "http/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>

#include "util/log.h"

namespace hearth::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

namespace {

HttpRequest to_request(const bhttp::request<bhttp::string_body>& in, const std::string& remote) {
    HttpRequest out;
    out.method = std::string(in.method_string());
    out.target = std::string(in.target());
    const size_t q = out.target.find('?');
    out.path = out.target.substr(0, q);
    out.query = q == std::string::npos ? "" : out.target.substr(q + 1);
    for (const auto& field : in) {
        out.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    out.body = in.body();
    out.remote_address = remote;
    return out;
}

std::string remote_of(const net::ip::tcp::socket& socket) {
    beast::error_code ec;
    const auto endpoint = socket.remote_endpoint(ec);
    return ec ? std::string("unknown") : endpoint.address().to_string();
}

}  // namespace

HttpSession::HttpSession(net::ip::tcp::socket&& socket, const SessionShared& shared)
    : stream_(std::move(socket)), shared_(shared) {
    shared_.connections->fetch_add(1);
}

HttpSession::~HttpSession() {
    end_request();
    shared_.connections->fetch_sub(1);
}

void HttpSession::end_request() {
    if (request_active_.exchange(false)) {
        shared_.in_flight->fetch_sub(1);
    }
}

void HttpSession::start() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&HttpSession::wait_for_request, shared_from_this()));
}

// Two deadlines: the next request's first byte must come within the idle timeout (the read timeout for a new
// connection), and once it has started, the whole request within the read timeout.
void HttpSession::wait_for_request() {
    if (shared_.draining->load()) {
        return close();  // shutting down: no new request, even on an open connection
    }
    if (buffer_.size() > 0) {  // a pipelined request is already here
        return read_request();
    }
    stream_.expires_after(first_request_ ? shared_.config.read_timeout : shared_.config.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&HttpSession::on_request_start, shared_from_this()));
}

void HttpSession::on_request_start(beast::error_code ec, std::size_t bytes) {
    if (ec || shared_.draining->load()) {
        return close();
    }
    buffer_.commit(bytes);
    read_request();
}

void HttpSession::read_request() {
    parser_.emplace();
    parser_->body_limit(shared_.config.max_body_bytes);
    parser_->header_limit(shared_.config.max_header_bytes);
    stream_.expires_after(shared_.config.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::on_read, shared_from_this()));
}

void HttpSession::on_read(beast::error_code ec, std::size_t /*bytes*/) {
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == beast::error::timeout ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset) {
        return close();
    }
    if (ec == bhttp::error::body_limit) {
        return send_transport_error(
            413, "request body exceeds the limit of " + std::to_string(shared_.config.max_body_bytes) + " bytes");
    }
    if (ec == bhttp::error::header_limit) {
        return send_transport_error(
            431, "request headers exceed the limit of " + std::to_string(shared_.config.max_header_bytes) + " bytes");
    }
    if (ec) {
        return send_transport_error(400, "malformed HTTP request: " + ec.message());
    }
    first_request_ = false;
    const auto& request = parser_->get();
    http_version_ = request.version();
    keep_alive_ = request.keep_alive() && !shared_.draining->load();
    dispatch(to_request(request, remote_of(stream_.socket())));
}

void HttpSession::dispatch(HttpRequest request) {
    // Handlers may run long (generation); no transport timeout applies while one runs, but a client that
    // leaves is noticed, so that the handler can stop work nobody will read.
    stream_.expires_never();
    request_active_ = true;
    shared_.in_flight->fetch_add(1);
    watch_for_disconnect();
    request.client_gone_probe = [weak = weak_from_this()] {
        const auto self = weak.lock();
        return self == nullptr || self->disconnected_.load();
    };
    net::post(*shared_.handler_pool, [self = shared_from_this(), request = std::move(request)]() mutable {
        HttpResponse response = self->shared_.handler(request);
        if (response.stream) {
            return self->run_stream(std::move(response));
        }
        net::post(self->stream_.get_executor(),
                  [self, response = std::move(response)]() mutable { self->write(std::move(response)); });
    });
}

void HttpSession::write(HttpResponse response) {
    keep_alive_ = keep_alive_ && !shared_.draining->load();  // shutting down: say so to the client
    response_ = {};
    set_head(response_, response, http_version_, keep_alive_);
    response_.body() = std::move(response.body);
    response_.prepare_payload();
    stream_.expires_after(shared_.config.write_timeout);
    bhttp::async_write(stream_, response_, beast::bind_front_handler(&HttpSession::on_write, shared_from_this()));
}

void HttpSession::on_write(beast::error_code ec, std::size_t /*bytes*/) {
    end_request();
    if (!ec && linger_on_close_) {
        return linger();
    }
    if (ec) {
        return close();
    }
    after_response();
}

void HttpSession::watch_for_disconnect() {
    probe_pending_ = true;
    stream_.async_read_some(buffer_.prepare(4096),
                            beast::bind_front_handler(&HttpSession::on_probe, shared_from_this()));
}

void HttpSession::on_probe(beast::error_code ec, std::size_t bytes) {
    probe_pending_ = false;
    if (!ec) {
        // A pipelined next request, not a disconnect: keep it for after the response. The probe is not
        // re-armed, so that a client cannot make the buffer grow while a handler runs.
        buffer_.commit(bytes);
        if (resume_after_probe_) {  // the response went out while these bytes were arriving
            resume_after_probe_ = false;
            wait_for_request();
        }
        return;
    }
    if (ec == net::error::operation_aborted && resume_after_probe_) {
        resume_after_probe_ = false;
        return wait_for_request();
    }
    disconnected_ = true;
    if (resume_after_probe_) {
        close();
    }
}

// The response is on the wire: the next request of a keep-alive connection, once the probe is cancelled.
void HttpSession::after_response() {
    if (!keep_alive_ || disconnected_.load() || shared_.draining->load()) {
        return close();
    }
    if (probe_pending_) {
        resume_after_probe_ = true;  // on_probe continues once the cancelled read completes
        beast::error_code ignored;
        stream_.socket().cancel(ignored);
        return;
    }
    wait_for_request();
}

void HttpSession::send_transport_error(int status, const std::string& message) {
    // The rest of the request may still be unread on the socket: answer, then close the connection.
    keep_alive_ = false;
    linger_on_close_ = true;
    log::debug("http: {} from {}: {}", status, remote_of(stream_.socket()), message);
    // Set once the request line is parsed: a body over the limit is refused when its header is read.
    const std::string target = parser_ ? std::string(parser_->get().target()) : std::string();
    write(shared_.error_formatter(status, message, target.substr(0, target.find('?'))));
}

// Closing a socket with unread data makes the kernel send a reset, which can destroy the error response
// before the client reads it. So: stop sending, then discard what the client still sends, for a bounded time.
void HttpSession::linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    drain();
}

void HttpSession::drain() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(64 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) {
            return self->close();
        }
        self->drain();
    });
}

void HttpSession::close() {
    beast::error_code ec;
    stream_.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
    stream_.socket().close(ec);
}

}  // namespace hearth::http::detail

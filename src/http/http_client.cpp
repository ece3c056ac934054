#include "http/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <charconv>
#include <optional>

namespace hearth::http {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;

Result<BaseUrl> parse_base_url(std::string_view url) {
    constexpr std::string_view SCHEME = "http://";
    if (url.substr(0, SCHEME.size()) != SCHEME) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "only http:// URLs are supported: " + std::string(url));
    }
    std::string_view rest = url.substr(SCHEME.size());
    const size_t slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    BaseUrl out;
    out.path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
    while (!out.path.empty() && out.path.back() == '/') {
        out.path.pop_back();
    }
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
        const std::string_view port = authority.substr(colon + 1);
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "bad port in URL: " + std::string(url));
        }
        out.port = static_cast<uint16_t>(value);
    }
    if (out.host.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "no host in URL: " + std::string(url));
    }
    return out;
}

// Blocking calls built from asynchronous ones, so that every operation has a deadline (Beast's tcp_stream
// timeouts apply to asynchronous operations only).
struct HttpClient::Impl {
    std::string host;
    uint16_t port;
    std::chrono::milliseconds timeout;
    net::io_context io;
    std::optional<beast::tcp_stream> stream;
    beast::flat_buffer buffer;
    bool header_seen = false;  // of the current exchange: before it, a stale keep-alive connection may be retried

    template <typename Start>
    beast::error_code run(Start&& start) {
        beast::error_code result = net::error::would_block;
        stream->expires_after(timeout);
        start([&result](beast::error_code ec, auto&&...) { result = ec; });
        io.restart();
        io.run();
        return result;
    }

    Error failure(const char* what, beast::error_code ec) {
        stream.reset();  // a failed connection is not reused
        buffer.clear();
        const ErrorCode code = ec == beast::error::timeout ? ErrorCode::TIMEOUT : ErrorCode::INTERNAL;
        return make_error(code, std::string(what) + " " + host + ":" + std::to_string(port) + ": " + ec.message());
    }

    Result<void> connect() {
        if (stream) {
            return {};
        }
        beast::error_code ec;
        net::ip::tcp::resolver resolver(io);
        const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
        if (ec) {
            return make_error(ErrorCode::INTERNAL, "cannot resolve " + host + ": " + ec.message());
        }
        stream.emplace(io);
        if (ec = run([&](auto handler) { stream->async_connect(endpoints, handler); }); ec) {
            return failure("cannot connect to", ec);
        }
        // Requests are small writes: without this, Nagle's algorithm can hold one back for a delayed ACK.
        stream->socket().set_option(net::ip::tcp::no_delay(true), ec);
        return {};
    }

    Result<ClientResponse> exchange(const ClientRequest& request, const BodySink& sink);
    Result<void> read_body(bhttp::response_parser<bhttp::buffer_body>& parser, ClientResponse& out,
                           const BodySink& sink);
};

Result<void> HttpClient::Impl::read_body(bhttp::response_parser<bhttp::buffer_body>& parser, ClientResponse& out,
                                         const BodySink& sink) {
    std::array<char, 16384> piece{};
    while (!parser.is_done()) {
        parser.get().body().data = piece.data();
        parser.get().body().size = piece.size();
        // read_some: returns as soon as some body arrived (read would wait for the buffer to fill).
        beast::error_code ec = run([&](auto handler) { bhttp::async_read_some(*stream, buffer, parser, handler); });
        if (ec == bhttp::error::need_buffer) {
            ec = {};
        }
        if (ec) {
            return failure("reading the response body from", ec);
        }
        const std::string_view got(piece.data(), piece.size() - parser.get().body().size);
        if (got.empty()) {
            continue;
        }
        if (!sink) {
            out.body.append(got);
        } else if (!sink(out, got)) {
            stream.reset();  // the caller stopped early: the rest of this response is never read
            buffer.clear();
            return {};
        }
    }
    return {};
}

Result<ClientResponse> HttpClient::Impl::exchange(const ClientRequest& request, const BodySink& sink) {
    header_seen = false;
    bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(request.method), request.target, 11};
    out.set(bhttp::field::host, host + ":" + std::to_string(port));
    for (const auto& header : request.headers) {
        out.set(header.name, header.value);
    }
    out.body() = request.body;
    out.prepare_payload();
    if (auto ec = run([&](auto handler) { bhttp::async_write(*stream, out, handler); }); ec) {
        return failure("sending the request to", ec);
    }
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);
    if (auto ec = run([&](auto handler) { bhttp::async_read_header(*stream, buffer, parser, handler); }); ec) {
        return failure("reading the response from", ec);
    }
    header_seen = true;
    ClientResponse response;
    response.status = static_cast<int>(parser.get().result_int());
    for (const auto& field : parser.get()) {
        response.headers.push_back({std::string(field.name_string()), std::string(field.value())});
    }
    if (auto body = read_body(parser, response, sink); !body) {
        return body.error();
    }
    if (stream && !parser.get().keep_alive()) {
        stream.reset();
        buffer.clear();
    }
    return response;
}

HttpClient::HttpClient(std::string host, uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
    impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

Result<ClientResponse> HttpClient::send(const ClientRequest& request, const BodySink& sink) {
    if (request.method.empty() || bhttp::string_to_verb(request.method) == bhttp::verb::unknown) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "unknown HTTP method '" + request.method + "'");
    }
    const bool reused = impl_->stream.has_value();
    if (auto connected = impl_->connect(); !connected) {
        return connected.error();
    }
    auto response = impl_->exchange(request, sink);
    if (!response && reused && !impl_->header_seen && response.error().code != ErrorCode::TIMEOUT) {
        // The server closed the idle connection before this request reached it: once more on a new one.
        if (auto connected = impl_->connect(); !connected) {
            return connected.error();
        }
        return impl_->exchange(request, sink);
    }
    return response;
}

}  // namespace hearth::http

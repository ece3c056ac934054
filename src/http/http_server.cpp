#include "http/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "http/http_session.h"
#include "util/log.h"

namespace hearth::http {

namespace net = boost::asio;
using tcp = net::ip::tcp;

struct HttpServer::Impl {
    Impl(HttpServerConfig config, HttpHandler handler, HttpErrorFormatter formatter)
        : io(config.io_threads),
          acceptor(net::make_strand(io)),
          handler_pool(static_cast<std::size_t>(config.handler_threads)),
          shared{std::move(config), std::move(handler), std::move(formatter), &handler_pool, &connections, &in_flight,
                 &draining,         &stopping} {}

    void accept_next() {
        acceptor.async_accept(net::make_strand(io), [this](boost::system::error_code ec, tcp::socket socket) {
            if (ec == net::error::operation_aborted || !acceptor.is_open()) {
                return;
            }
            if (!ec && connections.load() >= shared.config.max_connections) {
                // Over the limit: closing at once costs nothing, and the client's retry may find room.
                log::debug("http: {} connections open: refusing one", connections.load());
                socket.close(ec);
            } else if (!ec) {
                socket.set_option(tcp::no_delay(true), ec);
                std::make_shared<detail::HttpSession>(std::move(socket), shared)->start();
            } else {
                log::warn("http: accept failed: {}", ec.message());
            }
            accept_next();
        });
    }

    Result<void> bind() {
        boost::system::error_code ec;
        const auto address = net::ip::make_address(shared.config.host, ec);
        if (ec) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "invalid host address '" + shared.config.host + "'");
        }
        const tcp::endpoint endpoint(address, shared.config.port);
        if (acceptor.open(endpoint.protocol(), ec); ec) {
            return make_error(ErrorCode::INTERNAL, "cannot open socket: " + ec.message());
        }
        acceptor.set_option(net::socket_base::reuse_address(true), ec);
        if (acceptor.bind(endpoint, ec); ec) {
            return make_error(
                ErrorCode::INVALID_ARGUMENT,
                "cannot bind " + shared.config.host + ":" + std::to_string(shared.config.port) + ": " + ec.message());
        }
        if (acceptor.listen(net::socket_base::max_listen_connections, ec); ec) {
            return make_error(ErrorCode::INTERNAL, "cannot listen: " + ec.message());
        }
        port = acceptor.local_endpoint(ec).port();
        return {};
    }

    void close_acceptor() {
        net::post(acceptor.get_executor(), [this] {
            boost::system::error_code ec;
            acceptor.close(ec);
        });
    }

    std::atomic<int> connections{0};
    std::atomic<int> in_flight{0};
    std::atomic<bool> draining{false};
    std::atomic<bool> stopping{false};
    net::io_context io;
    tcp::acceptor acceptor;
    net::thread_pool handler_pool;
    detail::SessionShared shared;
    std::vector<std::thread> io_threads;
    std::atomic<uint16_t> port{0};
    bool started = false;
    bool stopped = false;
};

HttpServer::HttpServer(HttpServerConfig config, HttpHandler handler, HttpErrorFormatter error_formatter)
    : impl_(std::make_unique<Impl>(std::move(config), std::move(handler), std::move(error_formatter))) {}

HttpServer::~HttpServer() {
    stop();
}

Result<void> HttpServer::start() {
    if (auto bound = impl_->bind(); !bound) {
        return bound;
    }
    impl_->accept_next();
    for (int i = 0; i < std::max(1, impl_->shared.config.io_threads); ++i) {
        impl_->io_threads.emplace_back([this] { impl_->io.run(); });
    }
    impl_->started = true;
    log::info("listening on http://{}:{}", impl_->shared.config.host, impl_->port.load());
    return {};
}

uint16_t HttpServer::port() const {
    return impl_->port.load();
}

bool HttpServer::drain(std::chrono::milliseconds timeout) {
    if (!impl_->draining.exchange(true) && impl_->started) {
        impl_->close_acceptor();
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (impl_->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return impl_->in_flight.load() == 0;
}

int HttpServer::in_flight() const {
    return impl_->in_flight.load();
}

void HttpServer::stop() {
    if (impl_->stopped) {
        return;
    }
    impl_->stopped = true;
    impl_->draining = true;
    impl_->stopping = true;
    impl_->close_acceptor();
    // Handlers finish first (they post their responses to the I/O threads), then I/O stops.
    impl_->handler_pool.join();
    impl_->io.stop();
    for (std::thread& t : impl_->io_threads) {
        t.join();
    }
}

}  // namespace hearth::http

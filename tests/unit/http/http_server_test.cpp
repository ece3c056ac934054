// HttpServer over real loopback sockets: round trips, keep-alive, limits, handler isolation, and handlers
// that notice their client leave.

#include "http/http_server.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <future>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

namespace hearth::http {
namespace {

// A minimal blocking HTTP/1.1 client for tests.
class Client {
public:
    explicit Client(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    }
    ~Client() { close(fd_); }
    bool connected() const { return connected_; }
    void send_raw(const std::string& data) {
        ASSERT_EQ(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL), ssize_t(data.size()));
    }

    // Reads one response (headers + Content-Length body); empty when the server closed first.
    std::string read_response() {
        while (buffer_.find("\r\n\r\n") == std::string::npos && fill()) {
        }
        const size_t end = buffer_.find("\r\n\r\n");
        if (end == std::string::npos) {
            return {};
        }
        size_t length = 0;
        const size_t cl = buffer_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) {
            length = std::stoul(buffer_.substr(cl + 16));
        }
        while (buffer_.size() < end + 4 + length && fill()) {
        }
        std::string response = buffer_.substr(0, end + 4 + length);
        buffer_.erase(0, response.size());
        return response;
    }
    // Reads until `marker` has arrived (or the peer closed); returns everything read so far.
    std::string read_until(const std::string& marker) {
        while (buffer_.find(marker) == std::string::npos && fill()) {
        }
        std::string out;
        out.swap(buffer_);
        return out;
    }
    // True when the server closed the connection (read returns 0).
    bool closed_by_peer() {
        char c;
        return recv(fd_, &c, 1, 0) == 0;
    }

private:
    bool fill() {
        char chunk[4096];
        const ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
        if (n <= 0) {
            return false;
        }
        buffer_.append(chunk, static_cast<size_t>(n));
        return true;
    }
    int fd_;
    bool connected_ = false;
    std::string buffer_;
};

// Streams until the client goes away; counts how many chunks it managed to write after the client left.
std::atomic<int> g_writes_after_disconnect{0};
std::atomic<bool> g_stream_ended{false};

HttpResponse stream_until_gone() {
    HttpResponse r;
    r.content_type = "text/event-stream";
    r.stream = [](StreamWriter& out) {
        for (int i = 0; i < 2000 && out.write("data: tick\n\n"); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        g_writes_after_disconnect = out.write("data: late\n\n") ? 1 : 0;
        g_stream_ended = true;
    };
    return r;
}

// Set by the /until-gone handler: whether it saw its client leave (it gives up after 5 s), and that it ended.
std::atomic<bool> g_saw_client_gone{false};
std::atomic<bool> g_handler_ended{false};

// Works for `duration` unless the client leaves first; tells whether it did.
bool wait_unless_gone(const HttpRequest& req, std::chrono::milliseconds duration) {
    const auto t0 = std::chrono::steady_clock::now();
    while (!req.client_gone() && std::chrono::steady_clock::now() - t0 < duration) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return req.client_gone();
}

HttpResponse echo(const HttpRequest& req) {
    if (req.path == "/until-gone") {
        g_saw_client_gone = wait_unless_gone(req, std::chrono::seconds(5));
        g_handler_ended = true;
        return HttpResponse{};
    }
    if (req.path == "/pause") {
        HttpResponse r;
        r.body = wait_unless_gone(req, std::chrono::milliseconds(300)) ? "paused gone" : "paused";
        return r;
    }
    if (req.path == "/stream") {
        HttpResponse r;
        r.content_type = "text/event-stream";
        r.stream = [](StreamWriter& out) {
            for (const char* piece : {"data: one\n\n", "data: two\n\n", "data: [DONE]\n\n"}) {
                EXPECT_TRUE(out.write(piece));
            }
        };
        return r;
    }
    if (req.path == "/forever") {
        return stream_until_gone();
    }
    if (req.path == "/flood") {  // big chunks until the write fails: a client that does not read blocks it
        HttpResponse r;
        r.stream = [](StreamWriter& out) {
            const std::string chunk(64 * 1024, 'x');
            while (out.write(chunk)) {
            }
        };
        return r;
    }
    if (req.path == "/slow") {
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
    }
    HttpResponse r;
    r.content_type = "text/plain";
    r.body = req.method + " " + req.path + " q=" + req.query + " body=" + req.body;
    return r;
}

HttpResponse format_error(int status, const std::string& message, std::string_view target) {
    HttpResponse r;
    r.status = status;
    r.body =
        "{\"error\":\"" + std::to_string(status) + " " + message + "\",\"target\":\"" + std::string(target) + "\"}";
    return r;
}

class HttpServerTest : public ::testing::Test {
protected:
    void start(HttpServerConfig config = {}) {
        config.port = 0;
        server_ = std::make_unique<HttpServer>(config, echo, format_error);
        ASSERT_TRUE(server_->start().has_value());
        ASSERT_NE(server_->port(), 0);
    }
    std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, RoundTripAndKeepAlive) {
    start();
    Client c(server_->port());
    ASSERT_TRUE(c.connected());
    c.send_raw("POST /a?x=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
    const std::string first = c.read_response();
    EXPECT_EQ(first.rfind("HTTP/1.1 200 OK", 0), 0u) << first;
    EXPECT_NE(first.find("POST /a q=x=1 body=hello"), std::string::npos) << first;
    c.send_raw("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");  // same connection
    EXPECT_NE(c.read_response().find("GET /b q= body="), std::string::npos);
    c.send_raw("GET /c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    EXPECT_NE(c.read_response().find("GET /c"), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, StreamedResponseIsChunkedAndKeepsTheConnection) {
    start();
    Client c(server_->port());
    c.send_raw("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
    const std::string streamed = c.read_until("0\r\n\r\n");
    EXPECT_NE(streamed.find("Transfer-Encoding: chunked"), std::string::npos) << streamed;
    EXPECT_NE(streamed.find("text/event-stream"), std::string::npos);
    const size_t one = streamed.find("data: one");
    const size_t done = streamed.find("data: [DONE]");
    ASSERT_NE(one, std::string::npos);
    ASSERT_NE(done, std::string::npos);
    EXPECT_LT(one, done);
    c.send_raw("GET /after HTTP/1.1\r\nHost: t\r\n\r\n");  // keep-alive continues after the stream
    EXPECT_NE(c.read_response().find("GET /after"), std::string::npos);
}

TEST_F(HttpServerTest, StreamToAnHttp10ClientEndsWithClose) {
    start();
    Client c(server_->port());
    c.send_raw("GET /stream HTTP/1.0\r\n\r\n");
    const std::string streamed = c.read_until("[DONE]");
    EXPECT_EQ(streamed.find("chunked"), std::string::npos) << streamed;
    EXPECT_NE(streamed.find("data: one\n\ndata: two"), std::string::npos);
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, AClientThatLeavesStopsTheProducer) {
    start();
    g_stream_ended = false;
    g_writes_after_disconnect = -1;
    {
        Client c(server_->port());
        c.send_raw("GET /forever HTTP/1.1\r\nHost: t\r\n\r\n");
        EXPECT_NE(c.read_until("data: tick").find("data: tick"), std::string::npos);
    }  // the client closes its socket mid-stream
    const auto t0 = std::chrono::steady_clock::now();
    while (!g_stream_ended && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(g_stream_ended) << "the producer kept writing after the client left";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
    EXPECT_EQ(g_writes_after_disconnect, 0);  // writes report the disconnect
}

TEST_F(HttpServerTest, AWholeResponseHandlerSeesItsClientLeave) {
    start();
    g_saw_client_gone = false;
    g_handler_ended = false;
    {
        Client c(server_->port());
        c.send_raw("GET /until-gone HTTP/1.1\r\nHost: t\r\n\r\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the handler is running
    }                                                                 // the client closes its socket
    const auto t0 = std::chrono::steady_clock::now();
    while (!g_handler_ended && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(6)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(g_saw_client_gone) << "the handler ran on after its client left";
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

// Bytes of the next request arriving while a handler runs are neither a disconnect nor lost.
TEST_F(HttpServerTest, APipelinedRequestDuringAHandlerIsNotADisconnect) {
    start();
    Client c(server_->port());
    c.send_raw("GET /pause HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the handler is running
    c.send_raw("GET /next HTTP/1.1\r\nHost: t\r\n\r\n");
    const std::string first = c.read_response();
    EXPECT_NE(first.find("\r\n\r\npaused"), std::string::npos) << first;
    EXPECT_EQ(first.find("paused gone"), std::string::npos) << first;
    EXPECT_NE(c.read_response().find("GET /next"), std::string::npos);
    // Both at once, then the same connection goes on.
    c.send_raw("GET /pause HTTP/1.1\r\nHost: t\r\n\r\nGET /then HTTP/1.1\r\nHost: t\r\n\r\n");
    const std::string again = c.read_response();
    EXPECT_NE(again.find("\r\n\r\npaused"), std::string::npos) << again;
    EXPECT_EQ(again.find("paused gone"), std::string::npos) << again;
    EXPECT_NE(c.read_response().find("GET /then"), std::string::npos);
    c.send_raw("GET /last HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(c.read_response().find("GET /last"), std::string::npos);
}

TEST_F(HttpServerTest, BodyOverTheLimitGets413AndTheConnectionCloses) {
    HttpServerConfig config;
    config.max_body_bytes = 100;
    start(config);
    Client c(server_->port());
    c.send_raw("POST /x?y=1 HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
    const std::string response = c.read_response();
    EXPECT_EQ(response.rfind("HTTP/1.1 413", 0), 0u) << response;
    EXPECT_NE(response.find("exceeds the limit of 100 bytes"), std::string::npos);
    EXPECT_NE(response.find("\"target\":\"/x\""), std::string::npos) << response;  // its path, for the shape
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, MalformedRequestGets400) {
    start();
    Client c(server_->port());
    c.send_raw("THIS IS NOT HTTP\r\n\r\n");
    const std::string response = c.read_response();
    EXPECT_EQ(response.rfind("HTTP/1.1 400", 0), 0u) << response;
    EXPECT_NE(response.find("malformed HTTP request"), std::string::npos);
}

TEST_F(HttpServerTest, ASlowHandlerDoesNotBlockOtherConnections) {
    start();
    auto slow = std::async(std::launch::async, [port = server_->port()] {
        Client c(port);
        c.send_raw("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        return c.read_response();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const auto t0 = std::chrono::steady_clock::now();
    Client fast(server_->port());
    fast.send_raw("GET /fast HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(fast.read_response().find("GET /fast"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(500));
    EXPECT_NE(slow.get().find("GET /slow"), std::string::npos);
}

TEST_F(HttpServerTest, IdleConnectionIsClosed) {
    HttpServerConfig config;
    config.read_timeout = std::chrono::seconds(1);
    start(config);
    Client c(server_->port());
    c.send_raw("GET /partial HTTP/1.1\r\nHo");  // a slow client that never finishes its headers
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(c.closed_by_peer());
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST_F(HttpServerTest, DrainWaitsForTheRequestInFlightAndRefusesNewConnections) {
    start();
    auto slow = std::async(std::launch::async, [port = server_->port()] {
        Client c(port);
        c.send_raw("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
        return c.read_response();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_EQ(server_->in_flight(), 1);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_TRUE(server_->drain(std::chrono::seconds(5)));
    EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(300));
    const std::string answer = slow.get();
    EXPECT_NE(answer.find("GET /slow"), std::string::npos);
    EXPECT_NE(answer.find("Connection: close"), std::string::npos);  // no keep-alive while shutting down
    Client late(server_->port());
    EXPECT_FALSE(late.connected());
    EXPECT_EQ(server_->in_flight(), 0);
}

TEST_F(HttpServerTest, DrainGivesUpAtItsTimeout) {
    start();
    Client c(server_->port());
    c.send_raw("GET /until-gone HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_FALSE(server_->drain(std::chrono::milliseconds(200)));
    EXPECT_EQ(server_->in_flight(), 1);
}

TEST_F(HttpServerTest, StopEndsAStreamBlockedOnAClientThatDoesNotRead) {
    start();  // write timeout: 60 s
    Client c(server_->port());
    c.send_raw("GET /flood HTTP/1.1\r\nHost: t\r\n\r\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the socket buffers fill up
    const auto t0 = std::chrono::steady_clock::now();
    server_->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
    HttpServerConfig config;
    config.max_connections = 2;
    start(config);
    Client a(server_->port());
    Client b(server_->port());
    a.send_raw("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
    b.send_raw("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_NE(a.read_response().find("GET /a"), std::string::npos);
    EXPECT_NE(b.read_response().find("GET /b"), std::string::npos);
    Client c(server_->port());
    EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(HttpServerTest, PortInUseIsAnErrorValue) {
    start();
    HttpServerConfig config;
    config.port = server_->port();
    HttpServer second(config, echo, format_error);
    auto started = second.start();
    ASSERT_FALSE(started.has_value());
    EXPECT_NE(started.error().message.find(std::to_string(config.port)), std::string::npos);
}

TEST(HttpServerConfigTest, InvalidHostIsAnErrorValue) {
    HttpServerConfig config;
    config.host = "not-an-address";
    config.port = 0;
    HttpServer server(config, echo, format_error);
    auto started = server.start();
    ASSERT_FALSE(started.has_value());
    EXPECT_EQ(started.error().code, ErrorCode::INVALID_ARGUMENT);
    server.stop();
    server.stop();  // idempotent
}

}  // namespace
}  // namespace hearth::http

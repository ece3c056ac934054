// HttpClient against hearth's own HttpServer over loopback: URL parsing, round trips on one kept-alive
// connection, bodies delivered piece by piece as they arrive, and every transport failure as an error value.

#include "http/http_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "http/http_server.h"

namespace hearth::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

HttpResponse plain_error(int status, const std::string& message, std::string_view /*target*/) {
    HttpResponse response;
    response.status = status;
    response.body = message;
    return response;
}

class ClientTest : public ::testing::Test {
protected:
    void start(HttpHandler handler) {
        HttpServerConfig config;
        config.port = 0;
        server_ = std::make_unique<HttpServer>(config, std::move(handler), plain_error);
        ASSERT_TRUE(server_->start());
    }
    void TearDown() override {
        if (server_) {
            server_->stop();
        }
    }
    uint16_t port() const { return server_->port(); }

    std::unique_ptr<HttpServer> server_;
};

ClientRequest post(std::string target, std::string body) {
    ClientRequest request;
    request.target = std::move(target);
    request.body = std::move(body);
    request.headers.push_back({"Content-Type", "text/plain"});
    return request;
}

TEST(BaseUrl, Parses) {
    auto url = parse_base_url("http://127.0.0.1:8080/api/");
    ASSERT_TRUE(url);
    EXPECT_EQ(url->host, "127.0.0.1");
    EXPECT_EQ(url->port, 8080);
    EXPECT_EQ(url->path, "/api");
    auto bare = parse_base_url("http://localhost");
    ASSERT_TRUE(bare);
    EXPECT_EQ(bare->port, 80);
    EXPECT_EQ(bare->path, "");
}

TEST(BaseUrl, RejectsWhatItCannotServe) {
    for (const char* bad :
         {"https://x:1", "127.0.0.1:8080", "http://:80", "http://h:0", "http://h:70000", "http://h:80x", "http://h:"}) {
        auto url = parse_base_url(bad);
        ASSERT_FALSE(url) << bad;
        EXPECT_EQ(url.error().code, ErrorCode::INVALID_ARGUMENT) << bad;
    }
}

TEST_F(ClientTest, RoundTripsOnOneConnection) {
    std::atomic<int> calls{0};
    start([&](const HttpRequest& request) {
        ++calls;
        HttpResponse response;
        response.status = request.path == "/missing" ? 404 : 200;
        response.body = request.method + " " + request.target + " " + request.body;
        response.headers.push_back({"X-Remote", request.remote_address});
        return response;
    });
    HttpClient client("127.0.0.1", port(), 5s);
    for (int i = 0; i < 3; ++i) {
        auto response = client.send(post("/echo?i=" + std::to_string(i), "body" + std::to_string(i)));
        ASSERT_TRUE(response) << response.error().message;
        EXPECT_EQ(response->status, 200);
        EXPECT_EQ(response->body, "POST /echo?i=" + std::to_string(i) + " body" + std::to_string(i));
    }
    auto missing = client.send(post("/missing", ""));
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->status, 404);  // an HTTP error status is a value, not a transport error
    EXPECT_EQ(calls.load(), 4);
}

TEST_F(ClientTest, DeliversAStreamedBodyAsItArrives) {
    start([](const HttpRequest&) {
        HttpResponse response;
        response.content_type = "text/event-stream";
        response.stream = [](StreamWriter& out) {
            for (int i = 0; i < 3; ++i) {
                out.write("data: " + std::to_string(i) + "\n\n");
                std::this_thread::sleep_for(150ms);
            }
        };
        return response;
    });
    HttpClient client("127.0.0.1", port(), 5s);
    std::vector<std::pair<Clock::time_point, std::string>> pieces;
    auto response = client.send(post("/stream", ""), [&](const ClientResponse& head, std::string_view piece) {
        EXPECT_EQ(head.status, 200);
        pieces.emplace_back(Clock::now(), std::string(piece));
        return true;
    });
    ASSERT_TRUE(response) << response.error().message;
    std::string all;
    for (const auto& [at, piece] : pieces) {
        all += piece;
    }
    EXPECT_EQ(all, "data: 0\n\ndata: 1\n\ndata: 2\n\n");
    ASSERT_GE(pieces.size(), 3u);
    // The first event came before the producer slept twice more: the client did not wait for the end.
    EXPECT_GE(pieces.back().first - pieces.front().first, 250ms);
    // The connection is still usable after a streamed response.
    auto again = client.send(post("/stream", ""));
    ASSERT_TRUE(again) << again.error().message;
    EXPECT_EQ(again->body, all);
}

TEST_F(ClientTest, StoppingEarlyClosesAndTheNextRequestReconnects) {
    start([](const HttpRequest& request) {
        HttpResponse response;
        if (request.path == "/plain") {
            response.body = "plain";
            return response;
        }
        response.stream = [](StreamWriter& out) {
            for (int i = 0; i < 50 && out.write(std::string(1000, 'x')); ++i) {
                std::this_thread::sleep_for(10ms);
            }
        };
        return response;
    });
    HttpClient client("127.0.0.1", port(), 5s);
    size_t got = 0;
    auto stopped = client.send(post("/stream", ""), [&](const ClientResponse&, std::string_view piece) {
        got += piece.size();
        return false;
    });
    ASSERT_TRUE(stopped) << stopped.error().message;
    EXPECT_GT(got, 0u);
    EXPECT_LT(got, 50000u);
    auto next = client.send(post("/plain", ""));
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_EQ(next->body, "plain");
}

TEST_F(ClientTest, TimesOutWhenTheServerIsSlow) {
    start([](const HttpRequest&) {
        std::this_thread::sleep_for(1500ms);
        return HttpResponse{};
    });
    HttpClient client("127.0.0.1", port(), 300ms);
    const auto begin = Clock::now();
    auto response = client.send(post("/slow", ""));
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::TIMEOUT) << response.error().message;
    EXPECT_LT(Clock::now() - begin, 1400ms);
}

TEST(HttpClient, RefusedConnectionIsAnError) {
    uint16_t port = 0;
    {
        HttpServerConfig config;
        config.port = 0;
        HttpServer server(
            config, [](const HttpRequest&) { return HttpResponse{}; }, plain_error);
        ASSERT_TRUE(server.start());
        port = server.port();
        server.stop();  // nothing listens on this port any more
    }
    HttpClient client("127.0.0.1", port, 2s);
    auto response = client.send(post("/", ""));
    ASSERT_FALSE(response);
    EXPECT_EQ(response.error().code, ErrorCode::INTERNAL);
    EXPECT_NE(response.error().message.find("cannot connect"), std::string::npos) << response.error().message;
    ClientRequest bad = post("/", "");
    bad.method = "FETCH";
    EXPECT_EQ(client.send(bad).error().code, ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace hearth::http

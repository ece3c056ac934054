// Image downloads against a local HttpServer: the tests allow exactly 127.0.0.1 (the server) and prove that
// everything else the policy refuses stays refused (redirects included), that size and time limits abort the
// transfer, and that the default policy refuses every non-public address.

#include "http/media_fetch.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <netinet/in.h>
#include <sys/un.h>
#include <thread>
#include <vector>

#include "http/http_server.h"

namespace hearth::http {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// The bytes, or the error's message where a test expects bytes: a failure then shows why.
std::string bytes_or_error(const Result<std::string>& result) {
    return result ? *result : "error: " + result.error().message;
}

std::string address_text(const sockaddr* address) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    if (address->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, address, sizeof(in));
        inet_ntop(AF_INET, &in.sin_addr, text.data(), text.size());
    } else if (address->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, address, sizeof(in6));
        inet_ntop(AF_INET6, &in6.sin6_addr, text.data(), text.size());
    }
    return text.data();
}

HttpResponse respond(int status, std::string body, std::vector<Header> headers = {}) {
    HttpResponse response;
    response.status = status;
    response.content_type = "application/octet-stream";
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
}

HttpResponse redirect(const std::string& location) {
    return respond(302, "", {{"Location", location}});
}

class MediaFetchTest : public ::testing::Test {
protected:
    void SetUp() override {
        HttpServerConfig config;
        config.port = 0;
        server_ = std::make_unique<HttpServer>(
            config, [this](const HttpRequest& r) { return handle(r); },
            [](int status, const std::string& m, std::string_view) { return respond(status, m); });
        add_routes();  // before start: handlers read the table unguarded
        ASSERT_TRUE(server_->start());
    }
    void TearDown() override { server_->stop(); }

    HttpResponse handle(const HttpRequest& request) {
        ++requests_;
        const std::string& path = request.path;
        if (path.rfind("/hop/", 0) == 0) {  // /hop/N redirects N more times
            const int left = std::stoi(path.substr(5));
            return left == 0 ? respond(200, "ARRIVED") : redirect("/hop/" + std::to_string(left - 1));
        }
        const auto route = routes_.find(path);
        return route != routes_.end() ? route->second() : respond(404, "unknown");
    }

    void add_routes() {
        routes_ = {
            {"/image", [] { return respond(200, "IMAGE-BYTES"); }},
            {"/missing", [] { return respond(404, "no"); }},
            {"/broken", [] { return respond(500, "oops"); }},
            {"/no-content", [] { return respond(204, ""); }},
            {"/to-image", [] { return redirect("/image"); }},
            {"/to-metadata", [] { return redirect("http://169.254.169.254/latest/meta-data/"); }},
            {"/to-ipv6-loopback", [this] { return redirect("http://[::1]:" + std::to_string(port()) + "/image"); }},
            {"/to-private", [] { return redirect("http://10.0.0.1/image"); }},
            {"/to-ftp", [] { return redirect("ftp://127.0.0.1/image"); }},
            {"/to-file", [] { return redirect("file:///etc/passwd"); }},
            {"/big", [] { return respond(200, std::string(2000, 'x')); }},
            {"/big-chunked", [] { return streamed(10, 200, 0ms); }},
            {"/slow",
             [] {
                 std::this_thread::sleep_for(1500ms);
                 return respond(200, "late");
             }},
            {"/drip", [] { return streamed(60, 1, 50ms); }},
        };
    }

    // A chunked body without Content-Length: the size is only known as it arrives.
    static HttpResponse streamed(int pieces, size_t piece_size, std::chrono::milliseconds pause) {
        HttpResponse response = respond(200, "");
        response.stream = [=](StreamWriter& writer) {
            for (int i = 0; i < pieces; ++i) {
                if (!writer.write(std::string(piece_size, 'y'))) {
                    return;
                }
                std::this_thread::sleep_for(pause);
            }
        };
        return response;
    }

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port()) + path; }
    uint16_t port() const { return server_->port(); }

    // Allows the test server's address only, and records every address libcurl was about to connect to.
    FetchOptions local_only() {
        FetchOptions options;
        options.timeout = 5000ms;
        options.allow_address = [this](const sockaddr* address) {
            const std::string text = address_text(address);
            const std::lock_guard lock(mutex_);
            seen_.push_back(text);
            return text == "127.0.0.1";
        };
        return options;
    }
    std::vector<std::string> seen() {
        const std::lock_guard lock(mutex_);
        return seen_;
    }

    std::unique_ptr<HttpServer> server_;
    std::map<std::string, std::function<HttpResponse()>> routes_;
    std::atomic<int> requests_{0};
    std::mutex mutex_;
    std::vector<std::string> seen_;
};

void expect_refused(const Result<std::string>& result, ErrorCode code, const std::string& words) {
    ASSERT_FALSE(result) << "fetched: " << result.value();
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    EXPECT_TRUE(result.error().param.empty());
}

TEST_F(MediaFetchTest, FetchesTheBody) {
    EXPECT_EQ(bytes_or_error(fetch_media(url("/image"), local_only())), "IMAGE-BYTES");
    EXPECT_EQ(seen(), std::vector<std::string>{"127.0.0.1"});
}

TEST_F(MediaFetchTest, NonSuccessStatusesNameTheStatus) {
    expect_refused(fetch_media(url("/missing"), local_only()), ErrorCode::INVALID_ARGUMENT, "HTTP 404");
    expect_refused(fetch_media(url("/broken"), local_only()), ErrorCode::INVALID_ARGUMENT, "HTTP 500");
    EXPECT_EQ(bytes_or_error(fetch_media(url("/no-content"), local_only())), "");  // 2xx: the server probes it
}

TEST_F(MediaFetchTest, FollowsRedirectsUpToThree) {
    EXPECT_EQ(bytes_or_error(fetch_media(url("/to-image"), local_only())), "IMAGE-BYTES");
    EXPECT_EQ(bytes_or_error(fetch_media(url("/hop/3"), local_only())), "ARRIVED");
    expect_refused(fetch_media(url("/hop/4"), local_only()), ErrorCode::INVALID_ARGUMENT, "more than 3");
}

TEST_F(MediaFetchTest, ARedirectToARefusedAddressIsRefused) {
    expect_refused(fetch_media(url("/to-metadata"), local_only()), ErrorCode::INVALID_ARGUMENT, "private address");
    EXPECT_EQ(seen(), (std::vector<std::string>{"127.0.0.1", "169.254.169.254"}));
    expect_refused(fetch_media(url("/to-ipv6-loopback"), local_only()), ErrorCode::INVALID_ARGUMENT, "private address");
    expect_refused(fetch_media(url("/to-private"), local_only()), ErrorCode::INVALID_ARGUMENT, "private address");
    // With the default policy, the first hop is already refused: the server never hears of it.
    const int before = requests_;
    expect_refused(fetch_media(url("/to-image"), FetchOptions{}), ErrorCode::INVALID_ARGUMENT, "private address");
    EXPECT_EQ(requests_.load(), before);
}

TEST_F(MediaFetchTest, RedirectsToOtherSchemesAreRefused) {
    expect_refused(fetch_media(url("/to-ftp"), local_only()), ErrorCode::INVALID_ARGUMENT, "http or https");
    expect_refused(fetch_media(url("/to-file"), local_only()), ErrorCode::INVALID_ARGUMENT, "http or https");
}

TEST_F(MediaFetchTest, OnlyHttpAndHttpsAreFetched) {
    FetchOptions anything = local_only();
    anything.allow_address = [](const sockaddr*) { return true; };
    for (const std::string& bad :
         {std::string("ftp://127.0.0.1:") + std::to_string(port()) + "/image",
          std::string("gopher://127.0.0.1:") + std::to_string(port()) + "/image", std::string("file:///etc/passwd"),
          std::string("dict://127.0.0.1/x"), std::string(""), std::string("127.0.0.1/image")}) {
        expect_refused(fetch_media(bad, anything), ErrorCode::INVALID_ARGUMENT, "http or https");
    }
    EXPECT_EQ(requests_.load(), 0);
}

TEST_F(MediaFetchTest, BodiesOverTheLimitAbortTheTransfer) {
    FetchOptions options = local_only();
    options.max_bytes = 1000;
    expect_refused(fetch_media(url("/big"), options), ErrorCode::PAYLOAD_TOO_LARGE, "larger than 1000 bytes");
    expect_refused(fetch_media(url("/big-chunked"), options), ErrorCode::PAYLOAD_TOO_LARGE, "larger than 1000 bytes");
    options.max_bytes = 2000;
    EXPECT_EQ(bytes_or_error(fetch_media(url("/big"), options)).size(), 2000u);
    EXPECT_EQ(bytes_or_error(fetch_media(url("/big-chunked"), options)).size(), 2000u);
}

TEST_F(MediaFetchTest, TheWholeTransferHasOneDeadline) {
    FetchOptions options = local_only();
    options.timeout = 300ms;
    for (const char* path : {"/slow", "/drip"}) {  // nothing for a while; a trickle that never stops in time
        const auto start = Clock::now();
        expect_refused(fetch_media(url(path), options), ErrorCode::INVALID_ARGUMENT, "longer than 300 ms");
        EXPECT_LT(Clock::now() - start, 1200ms) << path;
    }
}

TEST_F(MediaFetchTest, DefaultPolicyRefusesLoopbackByNameAndAddress) {
    for (const std::string& target : {url("/image"), "http://localhost:" + std::to_string(port()) + "/image",
                                      "http://[::1]:" + std::to_string(port()) + "/image",
                                      "http://[::ffff:127.0.0.1]:" + std::to_string(port()) + "/image",
                                      "http://0.0.0.0:" + std::to_string(port()) + "/image",
                                      "http://2130706433:" + std::to_string(port()) + "/image"}) {
        expect_refused(fetch_media(target, FetchOptions{}), ErrorCode::INVALID_ARGUMENT, "private address");
    }
    EXPECT_EQ(requests_.load(), 0);
}

TEST_F(MediaFetchTest, UnknownHostsAreAClientError) {
    FetchOptions options;
    options.timeout = 3000ms;
    Result<std::string> result = fetch_media("http://no-such-host.invalid/a.png", options);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, ErrorCode::INVALID_ARGUMENT) << result.error().message;
}

// is_public_address on its own, over every range it refuses and neighbours it must not.
bool public_text(const std::string& text) {
    sockaddr_in in{};
    sockaddr_in6 in6{};
    if (inet_pton(AF_INET, text.c_str(), &in.sin_addr) == 1) {
        in.sin_family = AF_INET;
        return is_public_address(reinterpret_cast<const sockaddr*>(&in));
    }
    EXPECT_EQ(inet_pton(AF_INET6, text.c_str(), &in6.sin6_addr), 1) << text;
    in6.sin6_family = AF_INET6;
    return is_public_address(reinterpret_cast<const sockaddr*>(&in6));
}

TEST(AddressPolicy, RefusesEveryNonPublicRange) {
    for (const char* refused : {"127.0.0.1",
                                "127.255.255.254",
                                "10.0.0.1",
                                "10.255.255.255",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.1.1",
                                "100.64.0.1",
                                "100.127.255.255",
                                "169.254.169.254",
                                "169.254.0.1",
                                "0.0.0.0",
                                "0.1.2.3",
                                "224.0.0.1",
                                "239.255.255.250",
                                "240.0.0.1",
                                "255.255.255.255",
                                "192.0.0.8",
                                "198.18.0.1",
                                "198.19.255.255",
                                "::",
                                "::1",
                                "fe80::1",
                                "febf::1",
                                "fec0::1",
                                "fc00::1",
                                "fd12:3456::1",
                                "ff02::1",
                                "ff0e::1",
                                "::ffff:127.0.0.1",
                                "::ffff:10.0.0.1",
                                "::ffff:169.254.169.254",
                                "::ffff:0.0.0.0",
                                "::127.0.0.1",
                                "64:ff9b::10.0.0.1",
                                "64:ff9b::127.0.0.1",
                                "2002:7f00:1::1",
                                "2002:a9fe:a9fe::1"}) {
        EXPECT_FALSE(public_text(refused)) << refused;
    }
}

TEST(AddressPolicy, AllowsPublicNeighbours) {
    for (const char* allowed : {"8.8.8.8",
                                "1.1.1.1",
                                "9.255.255.255",
                                "11.0.0.1",
                                "172.15.255.255",
                                "172.32.0.1",
                                "192.167.255.255",
                                "192.169.0.1",
                                "100.63.255.255",
                                "100.128.0.1",
                                "169.253.255.255",
                                "169.255.0.1",
                                "223.255.255.255",
                                "198.17.255.255",
                                "198.20.0.1",
                                "2606:4700::1111",
                                "2001:4860:4860::8888",
                                "::ffff:8.8.8.8",
                                "64:ff9b::8.8.8.8",
                                "2002:0808:0808::1"}) {
        EXPECT_TRUE(public_text(allowed)) << allowed;
    }
}

TEST(AddressPolicy, RefusesOtherFamilies) {
    sockaddr_un un{};
    un.sun_family = AF_UNIX;
    EXPECT_FALSE(is_public_address(reinterpret_cast<const sockaddr*>(&un)));
    EXPECT_FALSE(is_public_address(nullptr));
}

}  // namespace
}  // namespace hearth::http

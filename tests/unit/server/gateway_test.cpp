#include "server/gateway.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/routes.h"
#include "server/server_metrics.h"
#include "server/web_routes.h"
#include "temp_dir.h"

namespace hearth::server {
namespace {

using nlohmann::json;

std::string header_of(const http::HttpResponse& response, std::string_view name) {
    for (const http::Header& h : response.headers) {
        if (http::iequals(h.name, name)) {
            return h.value;
        }
    }
    return {};
}

class GatewayTest : public ::testing::Test {
protected:
    GatewayTest() {
        declare_server_metrics(metrics_);
        register_routes(router_, context_);
    }
    static http::HttpRequest make(const std::string& method, const std::string& path,
                                  std::vector<http::Header> headers = {}) {
        http::HttpRequest req;
        req.method = method;
        req.path = path;
        req.target = path;
        req.headers = std::move(headers);
        return req;
    }

    hearth::testing::TempDir dir_;
    metrics::Registry metrics_;
    registry::ModelRegistry registry_{dir_.path().string()};
    RouteContext context_{registry_, metrics_};
    http::Router router_;
};

TEST_F(GatewayTest, EchoesAPlausibleRequestIdAndReplacesOthers) {
    Gateway gateway(router_, registry_, metrics_, {});
    auto echoed = gateway.handle(make("GET", "/health", {{"X-Request-Id", "abc-123"}}));
    EXPECT_EQ(header_of(echoed, "X-Request-Id"), "abc-123");
    auto replaced = gateway.handle(make("GET", "/health", {{"X-Request-Id", "bad id\r\nx: y"}}));
    const std::string id = header_of(replaced, "X-Request-Id");
    EXPECT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
    auto missing = gateway.handle(make("GET", "/nope"));
    EXPECT_EQ(header_of(missing, "X-Request-Id").size(), 32u);
    EXPECT_NE(header_of(missing, "X-Request-Id"), id);
}

TEST_F(GatewayTest, KeysGuardEveryRouteButHealth) {
    AccessConfig access;
    access.api_keys = {"sk-one", "sk-two"};
    Gateway gateway(router_, registry_, metrics_, access);
    EXPECT_EQ(gateway.handle(make("GET", "/health")).status, 200);
    for (const char* path : {"/v1/models", "/metrics", "/nope"}) {
        auto refused = gateway.handle(make("GET", path));
        EXPECT_EQ(refused.status, 401) << path;
        EXPECT_EQ(json::parse(refused.body)["error"]["type"], "authentication_error") << path;
    }
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"Authorization", "Bearer sk-one"}})).status, 200);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"authorization", "bearer sk-two"}})).status, 200);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"Authorization", "Bearer sk-on"}})).status, 401);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"Authorization", "sk-one"}})).status, 401);
    access.metrics_public = true;
    Gateway open_metrics(router_, registry_, metrics_, access);
    EXPECT_EQ(open_metrics.handle(make("GET", "/metrics")).status, 200);
}

// The page asks for the key itself: it and its files load without one; the API behind it does not, and a
// path that only starts like the page's files reaches no API route.
TEST_F(GatewayTest, TheWebPageIsPublicAndItsApiIsNot) {
    register_web_routes(router_);
    AccessConfig access;
    access.api_keys = {"sk-one"};
    Gateway gateway(router_, registry_, metrics_, access);
    const auto page = gateway.handle(make("GET", "/"));
    EXPECT_EQ(page.status, 200);
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(header_of(page, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
    EXPECT_EQ(gateway.handle(make("GET", "/ui/app.js")).status, 200);
    EXPECT_EQ(gateway.handle(make("GET", "/ui/missing.js")).status, 404);
    EXPECT_EQ(gateway.handle(make("GET", "/ui/../v1/models")).status, 404);
    EXPECT_EQ(gateway.handle(make("GET", "/ui")).status, 401);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models")).status, 401);
    EXPECT_EQ(gateway.handle(make("POST", "/")).status, 405);
}

TEST_F(GatewayTest, AnthropicClientsSendTheKeyAsXApiKey) {
    AccessConfig access;
    access.api_keys = {"sk-one"};
    Gateway gateway(router_, registry_, metrics_, access);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"x-api-key", "sk-one"}})).status, 200);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"X-Api-Key", "sk-on"}})).status, 401);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models", {{"x-api-key", "Bearer sk-one"}})).status, 401);
    // Either header admits; a wrong one beside a right one does not refuse.
    EXPECT_EQ(
        gateway.handle(make("GET", "/v1/models", {{"x-api-key", "no"}, {"Authorization", "Bearer sk-one"}})).status,
        200);
    // Refusals under /v1/messages come in Anthropic's shape.
    auto refused = gateway.handle(make("POST", "/v1/messages", {{"x-api-key", "wrong"}}));
    EXPECT_EQ(refused.status, 401);
    EXPECT_EQ(json::parse(refused.body)["type"], "error");
    EXPECT_EQ(json::parse(refused.body)["error"]["type"], "authentication_error");
    auto missing = gateway.handle(make("POST", "/v1/messages/count_tokens"));
    EXPECT_EQ(missing.status, 401);
    EXPECT_NE(json::parse(missing.body)["error"]["message"].get<std::string>().find("x-api-key"), std::string::npos);
}

TEST_F(GatewayTest, BearerComparisonNeedsTheWholeKey) {
    EXPECT_TRUE(key_matches("k", {"x", "k"}));
    EXPECT_FALSE(key_matches("", {""}));
    EXPECT_TRUE(bearer_matches("Bearer k", {"k"}));
    EXPECT_FALSE(bearer_matches("Bearer ", {""}));
    EXPECT_FALSE(bearer_matches("Bearer kk", {"k"}));
    EXPECT_FALSE(bearer_matches("Bearer k", {"kk"}));
    EXPECT_FALSE(bearer_matches("Basic k", {"k"}));
    EXPECT_FALSE(bearer_matches("Bearer k", {}));
}

TEST_F(GatewayTest, CorsOnlyForListedOrigins) {
    AccessConfig access;
    access.cors_origins = {"http://app.example"};
    access.api_keys = {"sk"};
    Gateway gateway(router_, registry_, metrics_, access);
    auto preflight =
        gateway.handle(make("OPTIONS", "/v1/chat/completions",
                            {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "POST"}}));
    EXPECT_EQ(preflight.status, 204);
    EXPECT_EQ(header_of(preflight, "Access-Control-Allow-Origin"), "http://app.example");
    EXPECT_NE(header_of(preflight, "Access-Control-Allow-Headers").find("Authorization"), std::string::npos);
    auto stranger =
        gateway.handle(make("OPTIONS", "/v1/chat/completions",
                            {{"Origin", "http://evil.example"}, {"Access-Control-Request-Method", "POST"}}));
    EXPECT_NE(stranger.status, 204);
    EXPECT_EQ(header_of(stranger, "Access-Control-Allow-Origin"), "");
    auto listed = gateway.handle(make("GET", "/health", {{"Origin", "http://app.example"}}));
    EXPECT_EQ(header_of(listed, "Access-Control-Allow-Origin"), "http://app.example");
}

TEST_F(GatewayTest, MetricsCountRequestsByEndpointAndStatus) {
    Gateway gateway(router_, registry_, metrics_, {});
    gateway.handle(make("GET", "/health"));
    gateway.handle(make("GET", "/health"));
    gateway.handle(make("GET", "/v1/models/nope"));
    gateway.handle(make("GET", "/whatever"));
    gateway.transport_error(413, "too large", "/v1/chat/completions");
    const auto count = [this](const std::string& endpoint, const std::string& status) {
        return metrics_.value("hearth_requests_total", {{"endpoint", endpoint}, {"model", ""}, {"status", status}});
    };
    EXPECT_EQ(count("/health", "200"), 2);
    EXPECT_EQ(count("/v1/models/{id*}", "404"), 1);
    EXPECT_EQ(count("unmatched", "404"), 1);
    EXPECT_EQ(count("transport", "413"), 1);
    EXPECT_EQ(metrics_.value("hearth_requests_in_flight", {{"endpoint", "/health"}}), 0);
    const std::string text = gateway.handle(make("GET", "/metrics")).body;
    EXPECT_NE(text.find("# TYPE hearth_request_duration_seconds histogram"), std::string::npos);
    EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
}

TEST_F(GatewayTest, WhileDrainingOnlyHealthAndMetricsAreServed) {
    PhaseFlag phase{ServerPhase::SERVING};
    context_.phase = &phase;
    Gateway gateway(router_, registry_, metrics_, {}, &phase);
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models")).status, 200);
    EXPECT_EQ(gateway.handle(make("GET", "/health")).status, 200);
    phase = ServerPhase::DRAINING;
    for (const char* path : {"/v1/models", "/v1/chat/completions", "/"}) {
        const auto refused = gateway.handle(make(path[1] == 'v' && path[4] == 'c' ? "POST" : "GET", path));
        EXPECT_EQ(refused.status, 503) << path;
        EXPECT_EQ(header_of(refused, "Retry-After"), "1") << path;
        EXPECT_EQ(json::parse(refused.body)["error"]["code"], "shutting_down") << path;
    }
    const auto health = gateway.handle(make("GET", "/health"));
    EXPECT_EQ(health.status, 503);
    EXPECT_EQ(json::parse(health.body)["status"], "draining");
    EXPECT_EQ(gateway.handle(make("GET", "/metrics")).status, 200);
    phase = ServerPhase::STARTING;
    EXPECT_EQ(json::parse(gateway.handle(make("GET", "/health")).body)["status"], "loading");
    EXPECT_EQ(gateway.handle(make("GET", "/v1/models")).status, 200);  // a starting server answers already
}

}  // namespace
}  // namespace hearth::server

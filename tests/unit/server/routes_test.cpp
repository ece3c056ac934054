#include "server/routes.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdexcept>

#include "gguf_fixture.h"
#include "route_call.h"
#include "temp_dir.h"

namespace hearth::server {
namespace {

using nlohmann::json;

class RoutesTest : public ::testing::Test {
protected:
    RoutesTest() {
        hearth::testing::write_tiny_gguf((dir_.path() / "alpha.gguf").string());
        dir_.write("org/beta.gguf", "");
        hearth::testing::write_tiny_gguf((dir_.path() / "org/gamma.gguf").string(), "bert");
        registry_ = std::make_unique<registry::ModelRegistry>(dir_.path().string());
        context_ = std::make_unique<RouteContext>(*registry_, metrics_);
        register_routes(router_, *context_);
    }
    http::HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "") {
        return hearth::testing::call_route(router_, method, path, body);
    }

    hearth::testing::TempDir dir_;
    metrics::Registry metrics_;
    std::unique_ptr<registry::ModelRegistry> registry_;
    std::unique_ptr<RouteContext> context_;
    http::Router router_;
};

TEST_F(RoutesTest, ModelsListAndRetrieve) {
    auto list = call("GET", "/v1/models");
    ASSERT_EQ(list.status, 200);
    const json body = json::parse(list.body);
    ASSERT_EQ(body["data"].size(), 2u);
    EXPECT_EQ(body["unservable"].size(), 1u);  // org/beta.gguf is empty
    auto one = call("GET", "/v1/models/gamma");
    ASSERT_EQ(one.status, 200);
    EXPECT_EQ(json::parse(one.body)["kind"], "embedding");
}

TEST_F(RoutesTest, UnknownModelIs404WithParam) {
    auto r = call("GET", "/v1/models/nope");
    EXPECT_EQ(r.status, 404);
    const json e = json::parse(r.body)["error"];
    EXPECT_EQ(e["code"], "model_not_found");
    EXPECT_EQ(e["param"], "model");
}

TEST_F(RoutesTest, UnknownRouteAndWrongMethod) {
    auto missing = call("GET", "/v2/anything");
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(json::parse(missing.body)["error"]["type"], "not_found_error");
    auto wrong = call("PUT", "/health");
    EXPECT_EQ(wrong.status, 405);
    ASSERT_EQ(wrong.headers.size(), 1u);
    EXPECT_EQ(wrong.headers[0].name, "Allow");
    EXPECT_EQ(wrong.headers[0].value, "GET");
    EXPECT_EQ(call("GET", "/v1/models/%zz").status, 400);
}

TEST_F(RoutesTest, HealthSaysWhichModelsAreReady) {
    auto r = call("GET", "/health");
    ASSERT_EQ(r.status, 200);
    const json body = json::parse(r.body);
    EXPECT_EQ(body["status"], "ok");
    EXPECT_TRUE(body["ready"].empty());
    EXPECT_EQ(body["models"]["alpha"], "unloaded");
}

TEST_F(RoutesTest, EmbeddingAndRerankRoutes) {
    auto unknown = call("POST", "/v1/embeddings", R"({"model":"nope","input":"x"})");
    EXPECT_EQ(unknown.status, 404);
    EXPECT_EQ(json::parse(unknown.body)["error"]["param"], "model");
    // alpha is an LLM: neither an embedding nor a rerank model. Nothing gets loaded for a wrong kind.
    EXPECT_EQ(call("POST", "/v1/embeddings", R"({"model":"alpha","input":"x"})").status, 400);
    for (const char* path : {"/v1/rerank", "/rerank", "/v1/reranking"}) {
        auto wrong_kind = call("POST", path, R"({"model":"gamma","query":"q","documents":["d"]})");
        EXPECT_EQ(wrong_kind.status, 400) << path;
        EXPECT_NE(json::parse(wrong_kind.body)["error"]["message"].get<std::string>().find("not a rerank model"),
                  std::string::npos);
        EXPECT_EQ(call("POST", path, R"({"model":"gamma","documents":["d"]})").status, 400) << path;
    }
    EXPECT_EQ(call("GET", "/v1/embeddings").status, 405);
    EXPECT_EQ(call("POST", "/v1/embeddings", "not json").status, 400);
}

TEST(RouteGuard, ExceptionsBecome500) {
    auto throwing = guard([](const http::HttpRequest&, const http::RouteParams&) -> http::HttpResponse {
        throw std::runtime_error("boom");
    });
    auto r = throwing(http::HttpRequest{}, {});
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(json::parse(r.body)["error"]["type"], "server_error");
    auto non_std = guard([](const http::HttpRequest&, const http::RouteParams&) -> http::HttpResponse { throw 42; });
    EXPECT_EQ(non_std(http::HttpRequest{}, {}).status, 500);
}

TEST(TransportErrors, KeepTheShapeOfTheirRoute) {
    EXPECT_EQ(transport_error_response(413, "too big", "/v1/chat/completions").status, 413);
    EXPECT_EQ(transport_error_response(431, "headers", "").status, 431);
    auto bad = transport_error_response(400, "garbage", "");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(json::parse(bad.body)["error"]["message"], "garbage");
    // Anthropic's SDK reads its own shape under /v1/messages, and only there.
    for (const char* path : {"/v1/messages", "/v1/messages/count_tokens"}) {
        auto big = transport_error_response(413, "too big", path);
        EXPECT_EQ(big.status, 413) << path;
        EXPECT_EQ(json::parse(big.body),
                  json({{"type", "error"}, {"error", {{"type", "request_too_large"}, {"message", "too big"}}}}))
            << path;
    }
    EXPECT_EQ(json::parse(transport_error_response(413, "x", "/v1/messagesx").body)["error"]["type"],
              "invalid_request_error");
}

}  // namespace
}  // namespace hearth::server

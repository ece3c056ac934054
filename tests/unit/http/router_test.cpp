#include "http/router.h"

#include <gtest/gtest.h>

namespace hearth::http {
namespace {

RouteHandler tagged(const std::string& tag) {
    return [tag](const HttpRequest&, const RouteParams&) {
        HttpResponse r;
        r.body = tag;
        return r;
    };
}

class RouterTest : public ::testing::Test {
protected:
    void SetUp() override {
        router_.add("GET", "/health", tagged("health"));
        router_.add("GET", "/v1/models", tagged("list"));
        router_.add("GET", "/v1/models/{id*}", tagged("get"));
        router_.add("POST", "/v1/models/{id}/load", tagged("load"));
        router_.add("POST", "/v1/chat/completions", tagged("chat"));
    }
    std::string call(const RouteMatch& m) { return (*m.handler)(HttpRequest{}, m.params).body; }

    Router router_;
};

TEST_F(RouterTest, MatchesLiteralRoutes) {
    auto m = router_.match("GET", "/health");
    ASSERT_EQ(m.status, MatchStatus::FOUND);
    EXPECT_EQ(call(m), "health");
    EXPECT_EQ(call(router_.match("GET", "/v1/models")), "list");
    EXPECT_EQ(call(router_.match("GET", "/v1/models/")), "list");  // a trailing slash is the same path
}

TEST_F(RouterTest, RestParameterTakesSlashesAndDecodes) {
    auto m = router_.match("GET", "/v1/models/org/model-q8");
    ASSERT_EQ(m.status, MatchStatus::FOUND);
    EXPECT_EQ(m.params.at("id"), "org/model-q8");
    auto encoded = router_.match("GET", "/v1/models/org%2Fmodel%20x");
    ASSERT_EQ(encoded.status, MatchStatus::FOUND);
    EXPECT_EQ(encoded.params.at("id"), "org/model x");
}

TEST_F(RouterTest, SegmentParameter) {
    auto m = router_.match("POST", "/v1/models/abc/load");
    ASSERT_EQ(m.status, MatchStatus::FOUND);
    EXPECT_EQ(call(m), "load");
    EXPECT_EQ(m.params.at("id"), "abc");
}

TEST_F(RouterTest, UnknownPathAndWrongMethod) {
    EXPECT_EQ(router_.match("GET", "/v1/nothing").status, MatchStatus::NOT_FOUND);
    EXPECT_EQ(router_.match("GET", "/").status, MatchStatus::NOT_FOUND);
    auto m = router_.match("DELETE", "/health");
    EXPECT_EQ(m.status, MatchStatus::METHOD_NOT_ALLOWED);
    EXPECT_EQ(m.allowed_methods, std::vector<std::string>{"GET"});
    auto chat = router_.match("GET", "/v1/chat/completions");
    EXPECT_EQ(chat.status, MatchStatus::METHOD_NOT_ALLOWED);
    EXPECT_EQ(chat.allowed_methods, std::vector<std::string>{"POST"});
}

TEST_F(RouterTest, MalformedEncodingIsABadPath) {
    EXPECT_EQ(router_.match("GET", "/v1/models/a%zz").status, MatchStatus::BAD_PATH);
    EXPECT_EQ(router_.match("GET", "/v1/models/a%4").status, MatchStatus::BAD_PATH);
}

}  // namespace
}  // namespace hearth::http

#include "api/pull_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::api {
namespace {

TEST(PullApi, ParsesTheRequest) {
    auto params = parse_pull_request(R"({"model": "org/repo:Q8_0"})");
    ASSERT_TRUE(params.has_value());
    EXPECT_EQ(params->model, "org/repo:Q8_0");
    EXPECT_TRUE(params->stream);
    EXPECT_FALSE(parse_pull_request(R"({"model": "org/repo", "stream": false})")->stream);
}

TEST(PullApi, RefusesBadBodiesNamingTheField) {
    for (const char* body : {R"({})", R"({"model": ""})", R"({"model": 3})"}) {
        auto params = parse_pull_request(body);
        ASSERT_FALSE(params.has_value()) << body;
        EXPECT_EQ(params.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(params.error().param, "model") << body;
    }
    auto stream = parse_pull_request(R"({"model": "a/b", "stream": "yes"})");
    ASSERT_FALSE(stream.has_value());
    EXPECT_EQ(stream.error().param, "stream");
    EXPECT_FALSE(parse_pull_request("[1]").has_value());
    EXPECT_FALSE(parse_pull_request("{").has_value());
}

TEST(PullApi, EventsAndAnswers) {
    const auto status = nlohmann::json::parse(pull_status_json("downloading", "a.gguf", 5, 10));
    EXPECT_EQ(status, (nlohmann::json{{"status", "downloading"}, {"file", "a.gguf"}, {"completed", 5}, {"total", 10}}));
    EXPECT_EQ(nlohmann::json::parse(pull_status_json("resolving", "", 0, -1)),
              (nlohmann::json{{"status", "resolving"}}));
    const auto done = nlohmann::json::parse(pull_success_json("org/repo:Q8_0", {"a.gguf", "mmproj.gguf"}));
    EXPECT_EQ(done["model"], "org/repo:Q8_0");
    EXPECT_EQ(done["files"].size(), 2U);
    const auto error = nlohmann::json::parse(pull_error_json(make_error(ErrorCode::UPSTREAM, "hub said no")));
    EXPECT_EQ(error["status"], "error");
    EXPECT_EQ(error["error"]["code"], "upstream_error");
    EXPECT_EQ(error["error"]["message"], "hub said no");
}

}  // namespace
}  // namespace hearth::api

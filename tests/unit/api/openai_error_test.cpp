#include "api/openai_error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::api {
namespace {

using nlohmann::json;

TEST(OpenAiError, BodyHasOpenAiShape) {
    const json body = json::parse(error_body(make_error(ErrorCode::INVALID_ARGUMENT, "bad n", "n")));
    ASSERT_TRUE(body.contains("error"));
    const json& e = body["error"];
    EXPECT_EQ(e.size(), 4u);
    EXPECT_EQ(e["message"], "bad n");
    EXPECT_EQ(e["type"], "invalid_request_error");
    EXPECT_EQ(e["param"], "n");
    EXPECT_EQ(e["code"], "invalid_argument");
}

TEST(OpenAiError, MissingParamIsNull) {
    const json body = json::parse(error_body(make_error(ErrorCode::NOT_FOUND, "no route")));
    EXPECT_TRUE(body["error"]["param"].is_null());
    EXPECT_EQ(body["error"]["type"], "not_found_error");
}

TEST(OpenAiError, StatusTable) {
    EXPECT_EQ(http_status(ErrorCode::INVALID_ARGUMENT), 400);
    EXPECT_EQ(http_status(ErrorCode::CONTEXT_LENGTH_EXCEEDED), 400);
    EXPECT_EQ(http_status(ErrorCode::UNAUTHENTICATED), 401);
    EXPECT_EQ(http_status(ErrorCode::MODEL_NOT_FOUND), 404);
    EXPECT_EQ(http_status(ErrorCode::METHOD_NOT_ALLOWED), 405);
    EXPECT_EQ(http_status(ErrorCode::PAYLOAD_TOO_LARGE), 413);
    EXPECT_EQ(http_status(ErrorCode::OVERLOADED), 429);
    EXPECT_EQ(http_status(ErrorCode::INTERNAL), 500);
    EXPECT_EQ(http_status(ErrorCode::MODEL_NOT_READY), 503);
    EXPECT_EQ(http_status(ErrorCode::OUT_OF_MEMORY), 507);
    EXPECT_EQ(openai_error_type(ErrorCode::UNAUTHENTICATED), "authentication_error");
    EXPECT_EQ(openai_error_type(ErrorCode::OVERLOADED), "rate_limit_error");
}

TEST(OpenAiError, InvalidUtf8InTheMessageNeverBreaksTheJson) {
    const std::string raw = error_body(make_error(ErrorCode::MODEL_NOT_FOUND, "model 'ab\xff\xfe' not found"));
    const json body = json::parse(raw);  // throws if the output were not valid JSON/UTF-8
    const std::string message = body["error"]["message"];
    EXPECT_EQ(message.find('\xff'), std::string::npos);
    EXPECT_NE(message.find("not found"), std::string::npos);
}

}  // namespace
}  // namespace hearth::api

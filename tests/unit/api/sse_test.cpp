#include "api/sse.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::api {
namespace {

using nlohmann::json;

TEST(Sse, EventFraming) {
    EXPECT_EQ(sse_event(R"({"a":1})"), "data: {\"a\":1}\n\n");
    EXPECT_EQ(sse_event(""), "data: \n\n");
}

TEST(Sse, Done) {
    EXPECT_EQ(sse_done(), "data: [DONE]\n\n");
}

TEST(Sse, LineBreaksInAPayloadCannotEndTheEventEarly) {
    EXPECT_EQ(sse_event("a\nb\r\nc\rd"), "data: a\ndata: b\ndata: c\ndata: d\n\n");
    EXPECT_EQ(sse_event("x\n"), "data: x\ndata: \n\n");
}

TEST(Sse, ErrorEventCarriesTheOpenAiErrorBody) {
    const std::string frame = sse_error(make_error(ErrorCode::OVERLOADED, "queue full"));
    ASSERT_EQ(frame.rfind("data: ", 0), 0u);
    ASSERT_GE(frame.size(), 8u);
    EXPECT_EQ(frame.substr(frame.size() - 2), "\n\n");
    const std::string payload = frame.substr(6, frame.size() - 8);
    EXPECT_EQ(payload.find('\n'), std::string::npos);
    const json body = json::parse(payload);
    ASSERT_TRUE(body.contains("error"));
    EXPECT_EQ(body["error"]["message"], "queue full");
    EXPECT_EQ(body["error"]["type"], "rate_limit_error");
    EXPECT_EQ(body["error"]["code"], "overloaded");
    EXPECT_TRUE(body["error"]["param"].is_null());
    EXPECT_EQ(frame.find("[DONE]"), std::string::npos);  // an error ends the stream on its own
}

TEST(Sse, ErrorEventSurvivesInvalidUtf8AndNewlinesInTheMessage) {
    const std::string frame = sse_error(make_error(ErrorCode::INTERNAL, "decode failed:\n\xff\xfe", "x"));
    const std::string payload = frame.substr(6, frame.size() - 8);
    EXPECT_EQ(payload.find('\n'), std::string::npos);
    const json body = json::parse(payload);
    EXPECT_EQ(body["error"]["param"], "x");
    EXPECT_EQ(body["error"]["type"], "server_error");
}

TEST(Sse, CommentsAndContentType) {
    EXPECT_EQ(sse_comment("keep-alive"), ": keep-alive\n\n");
    EXPECT_EQ(SSE_CONTENT_TYPE, "text/event-stream");
}

}  // namespace
}  // namespace hearth::api

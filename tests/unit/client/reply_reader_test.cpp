// ReplyReader on streamed chat completions as hearth and llama-server send them: text and reasoning deltas,
// the finish reason, the usage chunk, an error event mid-stream, and a stream that is not JSON.

#include "client/reply_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::client {
namespace {

std::string event(const std::string& json) {
    return "data: " + json + "\n\n";
}

TEST(ReplyReader, DeltasFinishReasonAndUsage) {
    std::vector<ReplyDelta> seen;
    ReplyReader reader([&seen](const ReplyDelta& d) { seen.push_back(d); });
    const std::string body = event(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})") +
                             event(R"({"choices":[{"index":0,"delta":{"reasoning_content":"hmm"}}]})") +
                             event(R"({"choices":[{"index":0,"delta":{"content":"Hel"}}]})") +
                             event(R"({"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":null}]})") +
                             event(R"({"choices":[{"index":0,"delta":{},"finish_reason":"length"}]})") +
                             event(R"({"choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3}})") +
                             event("[DONE]");
    ASSERT_TRUE(reader.feed(body.substr(0, 50)));
    ASSERT_TRUE(reader.feed(body.substr(50)));
    EXPECT_TRUE(reader.done());
    EXPECT_TRUE(reader.error().empty());
    EXPECT_EQ(reader.content(), "Hello");
    EXPECT_EQ(reader.finish_reason(), "length");
    EXPECT_EQ(reader.usage().prompt_tokens, 12);
    EXPECT_EQ(reader.usage().completion_tokens, 3);
    ASSERT_EQ(seen.size(), 3U);
    EXPECT_EQ(seen[0].reasoning, "hmm");
    EXPECT_EQ(seen[1].content, "Hel");
}

TEST(ReplyReader, AnErrorEventStopsWithItsMessage) {
    ReplyReader reader(nullptr);
    EXPECT_TRUE(reader.feed(event(R"({"choices":[{"delta":{"content":"a"}}]})")));
    EXPECT_FALSE(reader.feed(event(R"({"error":{"message":"the model was unloaded","type":"server_error"}})")));
    EXPECT_EQ(reader.error(), "the model was unloaded");
    EXPECT_EQ(reader.content(), "a");
    EXPECT_FALSE(reader.done());
    EXPECT_FALSE(reader.feed(event("[DONE]")));  // nothing is read after an error
}

TEST(ReplyReader, NotJsonIsAnError) {
    ReplyReader reader(nullptr);
    EXPECT_FALSE(reader.feed(event("<html>")));
    EXPECT_FALSE(reader.error().empty());
}

TEST(ReplyReader, ErrorMessageOfAnHttpAnswer) {
    EXPECT_EQ(error_message(404, R"({"error":{"message":"The model 'x' does not exist"}})"),
              "The model 'x' does not exist");
    EXPECT_EQ(error_message(502, "Bad Gateway"), "HTTP 502: Bad Gateway");
    EXPECT_EQ(error_message(500, ""), "HTTP 500");
}

}  // namespace
}  // namespace hearth::client

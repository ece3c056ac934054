// SseReader: events cut anywhere by the transport, LF and CRLF framing, comments and keep-alives skipped,
// and a handler that stops the reading.

#include "http/sse_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hearth::http {
namespace {

std::vector<std::string> read_all(SseReader& reader, const std::vector<std::string>& pieces) {
    std::vector<std::string> out;
    for (const std::string& piece : pieces) {
        EXPECT_TRUE(reader.feed(piece, [&out](std::string_view data) {
            out.emplace_back(data);
            return true;
        }));
    }
    return out;
}

TEST(SseReader, EventsSplitAnywhereArriveWhole) {
    const std::string body = "data: {\"a\":1}\n\ndata: {\"b\":2}\n\ndata: [DONE]\n\n";
    for (size_t cut = 0; cut <= body.size(); ++cut) {
        SseReader reader;
        const auto got = read_all(reader, {body.substr(0, cut), body.substr(cut)});
        ASSERT_EQ(got, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "[DONE]"})) << "cut at " << cut;
        EXPECT_EQ(reader.pending(), 0U);
    }
}

TEST(SseReader, CrlfFramingCommentsAndOtherFields) {
    SseReader reader;
    const auto got = read_all(
        reader, {": keep-alive\r\n\r\nevent: message_start\r\ndata:{\"x\":1}\r\n\r\n", "id: 7\n\ndata: last\n\n"});
    EXPECT_EQ(got, (std::vector<std::string>{"{\"x\":1}", "last"}));
}

TEST(SseReader, AnIncompleteEventWaits) {
    SseReader reader;
    EXPECT_TRUE(read_all(reader, {"data: {\"a\""}).empty());
    EXPECT_GT(reader.pending(), 0U);
    EXPECT_EQ(read_all(reader, {":1}\n\n"}), (std::vector<std::string>{"{\"a\":1}"}));
}

TEST(SseReader, AFalseFromTheHandlerStopsTheReading) {
    SseReader reader;
    int calls = 0;
    EXPECT_FALSE(reader.feed("data: 1\n\ndata: 2\n\n", [&calls](std::string_view) {
        ++calls;
        return false;
    }));
    EXPECT_EQ(calls, 1);
}

}  // namespace
}  // namespace hearth::http

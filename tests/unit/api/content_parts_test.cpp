// Image content parts of chat messages: where each lands among the text, what each URL becomes, and every
// refusal with its status and the field it names.

#include "api/content_parts.h"

#include <gtest/gtest.h>

#include <string>

#include "api/openai_error.h"
#include "util/base64.h"

namespace hearth::api {
namespace {

const std::string PNG_BYTES("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);

std::string data_url(const std::string& bytes, const std::string& mime = "image/png") {
    return "data:" + mime + ";base64," + base64_encode(bytes);
}

std::string image_part(const std::string& url) {
    return R"({"type":"image_url","image_url":{"url":")" + url + R"("}})";
}

std::string text_part(const std::string& text) {
    return R"({"type":"text","text":")" + text + R"("})";
}

// A chat body whose one message has `role` and the given content parts.
std::string body_with(const std::string& parts, const std::string& role = "user") {
    return R"({"model":"m","messages":[{"role":")" + role + R"(","content":[)" + parts + "]}]}";
}

ChatParams chat_ok(const std::string& body, const RequestLimits& limits = {}) {
    Result<ChatParams> params = chat_params_from_body(body, limits);
    EXPECT_TRUE(params.has_value()) << body.substr(0, 300) << " -> " << (params ? "" : params.error().message);
    return params ? *params : ChatParams{};
}

void expect_refused(const std::string& body, ErrorCode code, const std::string& param, int status,
                    const RequestLimits& limits = {}) {
    Result<ChatParams> params = chat_params_from_body(body, limits);
    ASSERT_FALSE(params) << body.substr(0, 300);
    EXPECT_EQ(params.error().code, code) << body.substr(0, 300) << " -> " << params.error().message;
    EXPECT_EQ(params.error().param, param) << body.substr(0, 300) << " -> " << params.error().message;
    EXPECT_EQ(http_status(params.error().code), status);
    EXPECT_FALSE(params.error().message.empty());
}

TEST(ImageParts, ADataUrlBecomesItsBytesAtTheOffsetOfTheText) {
    const ChatParams p = chat_ok(
        body_with(text_part("Look: ") + "," + image_part(data_url(PNG_BYTES)) + "," + text_part(" what is it?")));
    ASSERT_EQ(p.messages.size(), 1u);
    const ChatMessage& m = p.messages[0];
    EXPECT_EQ(m.content, "Look:  what is it?");
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].offset, 6u);
    EXPECT_EQ(m.media[0].source, MediaSource::DATA);
    EXPECT_EQ(m.media[0].data, PNG_BYTES);
    EXPECT_EQ(m.media[0].param, "messages[0].content[1].image_url.url");
}

TEST(ImageParts, OffsetsBeforeBetweenAndAfterText) {
    const std::string a = data_url("A"), b = data_url("BB"), c = data_url("CCC"), d = data_url("DDDD");
    const ChatParams p = chat_ok(body_with(image_part(a) + "," + text_part("one") + "," + image_part(b) + "," +
                                           image_part(c) + "," + text_part("two") + "," + image_part(d)));
    const ChatMessage& m = p.messages[0];
    EXPECT_EQ(m.content, "onetwo");  // no newline next to an image
    ASSERT_EQ(m.media.size(), 4u);
    const size_t offsets[] = {0, 3, 3, 6};
    const char* bytes[] = {"A", "BB", "CCC", "DDDD"};
    for (size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(m.media[i].offset, offsets[i]) << i;
        EXPECT_EQ(m.media[i].data, bytes[i]) << i;
        EXPECT_EQ(m.media[i].param,
                  "messages[0].content[" + std::to_string(i == 0 ? 0 : (i == 3 ? 5 : i + 1)) + "].image_url.url");
    }
}

TEST(ImageParts, TextPartsJoinWithANewlineExceptNextToAnImage) {
    const ChatParams p = chat_ok(body_with(text_part("a") + "," + text_part("b") + "," + image_part(data_url("X")) +
                                           "," + text_part("") + "," + text_part("c")));
    const ChatMessage& m = p.messages[0];
    // llama-server's join: "a" "\n" "b" <image> "" "\n" "c" (after the empty part, the image is no longer the last).
    EXPECT_EQ(m.content, "a\nb\nc");
    ASSERT_EQ(m.media.size(), 1u);
    EXPECT_EQ(m.media[0].offset, 3u);
}

TEST(ImageParts, ImagesInSeveralMessagesKeepTheirOwnOffsets) {
    const std::string body = R"({"model":"m","messages":[{"role":"system","content":"be brief"},
        {"role":"user","content":[)" +
                             text_part("first") + "," + image_part(data_url("x")) + R"(]},
        {"role":"assistant","content":"ok"},
        {"role":"user","content":[)" +
                             image_part("https://example.com/a.jpg") + "," + text_part("second") + "]}]}";
    const ChatParams p = chat_ok(body);
    ASSERT_EQ(p.messages.size(), 4u);
    EXPECT_TRUE(p.messages[0].media.empty());
    ASSERT_EQ(p.messages[1].media.size(), 1u);
    EXPECT_EQ(p.messages[1].media[0].offset, 5u);
    ASSERT_EQ(p.messages[3].media.size(), 1u);
    EXPECT_EQ(p.messages[3].media[0].offset, 0u);
    EXPECT_EQ(p.messages[3].media[0].param, "messages[3].content[0].image_url.url");
}

TEST(ImageParts, RemoteAndFileUrlsAreKeptForTheServer) {
    const ChatParams p =
        chat_ok(body_with(image_part("http://example.com/a.png") + "," + image_part("HTTPS://example.com/b.png") + "," +
                          image_part("file:///srv/media/c.png")));
    const auto& media = p.messages[0].media;
    ASSERT_EQ(media.size(), 3u);
    EXPECT_EQ(media[0].source, MediaSource::REMOTE);
    EXPECT_EQ(media[0].data, "http://example.com/a.png");
    EXPECT_EQ(media[1].source, MediaSource::REMOTE);
    EXPECT_EQ(media[1].data, "HTTPS://example.com/b.png");
    EXPECT_EQ(media[2].source, MediaSource::FILE);
    EXPECT_EQ(media[2].data, "file:///srv/media/c.png");
}

TEST(ImageParts, ABareStringImageUrlIsAccepted) {
    const ChatParams p = chat_ok(
        body_with(text_part("x") + R"(,{"type":"image_url","image_url":")" + data_url("QQ", "image/jpeg") + R"("})"));
    const auto& media = p.messages[0].media;
    ASSERT_EQ(media.size(), 1u);
    EXPECT_EQ(media[0].data, "QQ");
    EXPECT_EQ(media[0].offset, 1u);
    EXPECT_EQ(media[0].param, "messages[0].content[1].image_url");
}

TEST(ImageParts, DetailAndDataUrlVariantsAreAccepted) {
    for (const char* detail : {"auto", "low", "high"}) {
        chat_ok(body_with(R"({"type":"image_url","image_url":{"url":")" + data_url("x") + R"(","detail":")" + detail +
                          R"("}})"));
    }
    chat_ok(body_with(R"({"type":"image_url","image_url":{"url":")" + data_url("x") + R"(","detail":null}})"));
    for (const char* mime :
         {"image/png", "image/jpeg", "image/jpg", "image/webp", "image/gif", "image/bmp", "IMAGE/PNG"}) {
        EXPECT_EQ(chat_ok(body_with(image_part(data_url("x", mime)))).messages[0].media.size(), 1u) << mime;
    }
    // Parameters before ;base64, an upper-case scheme and marker, and base64 wrapped over lines.
    const ChatParams p = chat_ok(body_with(image_part("DATA:image/png;name=cat.png;BASE64,Zm9v\\nYmFy")));
    EXPECT_EQ(p.messages[0].media[0].data, "foobar");
}

TEST(ImageParts, ParseImageUrlDirectly) {
    Result<MediaPart> part = parse_image_url("data:image/gif;base64,R0lGODlh", "p");
    ASSERT_TRUE(part);
    EXPECT_EQ(part->data, "GIF89a");
    EXPECT_EQ(part->param, "p");
    EXPECT_EQ(part->offset, 0u);
    for (const char* bad : {"", "ftp://x/y.png", "gopher://x", "javascript:alert(1)", "/etc/passwd", "image.png",
                            "data:", "data:image/png;base64",
                            "data:text/plain;base64,eA==", "data:image/svg+xml;base64,eA==", "data:image/png,raw",
                            "data:;base64,eA==", "data:image/png;base64,***", "data:image/png;base64,"}) {
        Result<MediaPart> refused = parse_image_url(bad, "p");
        ASSERT_FALSE(refused) << bad;
        EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT) << bad;
        EXPECT_EQ(refused.error().param, "p") << bad;
    }
}

TEST(ImageParts, EveryRefusalNamesItsField) {
    const std::string url = "messages[0].content[1].image_url.url";
    const ErrorCode INVALID = ErrorCode::INVALID_ARGUMENT;
    expect_refused(body_with(text_part("a") + "," + image_part("data:text/plain;base64,eA==")), INVALID, url, 400);
    expect_refused(body_with(text_part("a") + "," + image_part("data:image/png;base64,e!A==")), INVALID, url, 400);
    expect_refused(body_with(text_part("a") + "," + image_part("data:image/png;base64,eA=")), INVALID, url, 400);
    expect_refused(body_with(text_part("a") + "," + image_part("data:image/png,eA==")), INVALID, url, 400);
    expect_refused(body_with(text_part("a") + "," + image_part("ftp://example.com/a.png")), INVALID, url, 400);
    expect_refused(body_with(text_part("a") + "," + image_part("example.com/a.png")), INVALID, url, 400);
    expect_refused(body_with(text_part("a") + R"(,{"type":"image_url","image_url":"nope"})"), INVALID,
                   "messages[0].content[1].image_url", 400);
    expect_refused(body_with(R"({"type":"image_url"})"), INVALID, "messages[0].content[0].image_url", 400);
    expect_refused(body_with(R"({"type":"image_url","image_url":7})"), INVALID, "messages[0].content[0].image_url",
                   400);
    expect_refused(body_with(R"({"type":"image_url","image_url":{}})"), INVALID, "messages[0].content[0].image_url.url",
                   400);
    expect_refused(body_with(R"({"type":"image_url","image_url":{"url":5}})"), INVALID,
                   "messages[0].content[0].image_url.url", 400);
    expect_refused(body_with(R"({"type":"image_url","image_url":{"url":"http://x/a.png","detail":"ultra"}})"), INVALID,
                   "messages[0].content[0].image_url.detail", 400);
    expect_refused(body_with(R"({"type":"image_url","image_url":{"url":"http://x/a.png","detail":1}})"), INVALID,
                   "messages[0].content[0].image_url.detail", 400);
}

TEST(ImageParts, OnlyUserMessagesMayHoldImages) {
    for (const char* role : {"system", "developer", "assistant", "tool"}) {
        expect_refused(body_with(text_part("a") + "," + image_part(data_url("x")), role), ErrorCode::INVALID_ARGUMENT,
                       "messages[0].content[1]", 400);
    }
}

TEST(ImageParts, AudioAndFilePartsAreUnsupported) {
    expect_refused(body_with(R"({"type":"input_audio","input_audio":{"data":"eA==","format":"wav"}})"),
                   ErrorCode::UNSUPPORTED, "messages[0].content[0]", 400);
    expect_refused(body_with(text_part("a") + R"(,{"type":"file","file":{"file_id":"f"}})"), ErrorCode::UNSUPPORTED,
                   "messages[0].content[1]", 400);
}

TEST(ImageParts, ImageCountLimit) {
    RequestLimits limits;
    limits.max_images = 2;
    const std::string two = image_part(data_url("a")) + "," + image_part(data_url("b"));
    EXPECT_EQ(chat_ok(body_with(two), limits).messages[0].media.size(), 2u);
    expect_refused(body_with(two + "," + text_part("t") + "," + image_part("http://x/c.png")),
                   ErrorCode::INVALID_ARGUMENT, "messages[0].content[3].image_url.url", 400, limits);
    // Counted over all messages together.
    const std::string spread = R"({"model":"m","messages":[{"role":"user","content":[)" + two +
                               R"(]},{"role":"user","content":[)" + image_part(data_url("c")) + "]}]}";
    expect_refused(spread, ErrorCode::INVALID_ARGUMENT, "messages[1].content[0].image_url.url", 400, limits);
    limits.max_images = 0;
    expect_refused(body_with(image_part(data_url("a"))), ErrorCode::INVALID_ARGUMENT,
                   "messages[0].content[0].image_url.url", 400, limits);
    EXPECT_EQ(RequestLimits{}.max_images, 16u);
}

TEST(ImageParts, ImageSizeLimitCountsDecodedBytes) {
    RequestLimits limits;
    limits.max_image_bytes = 6;
    EXPECT_EQ(chat_ok(body_with(image_part(data_url("123456"))), limits).messages[0].media[0].data, "123456");
    expect_refused(body_with(text_part("t") + "," + image_part(data_url("1234567"))), ErrorCode::PAYLOAD_TOO_LARGE,
                   "messages[0].content[1].image_url.url", 413, limits);
    // Remote and file images are measured when the server gets them.
    chat_ok(body_with(image_part("http://example.com/big.png")), limits);
    EXPECT_EQ(RequestLimits{}.max_image_bytes, size_t{20} << 20);
}

TEST(ImageParts, TextOnlyMessagesHaveNoMedia) {
    const ChatParams p = chat_ok(body_with(text_part("a") + "," + text_part("b")));
    EXPECT_EQ(p.messages[0].content, "a\nb");
    EXPECT_TRUE(p.messages[0].media.empty());
    const ChatParams s = chat_ok(R"({"model":"m","messages":[{"role":"user","content":"plain"}]})");
    EXPECT_EQ(s.messages[0].content, "plain");
    EXPECT_TRUE(s.messages[0].media.empty());
}

}  // namespace
}  // namespace hearth::api

// resolve_media: every image of a request to verified bytes, in order, under the server's media rules; each
// refusal with its status and the image's field.

#include "server/media_sources.h"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>

#include "api/openai_error.h"
#include "http/http_server.h"
#include "image_fixtures.h"
#include "temp_dir.h"

namespace hearth::server {
namespace {

using namespace std::chrono_literals;
using api::MediaSource;
using hearth::testing::png_header;

// The images, or the error's message as the one element where a test expects images.
std::vector<std::string> images_or_error(const Result<std::vector<std::string>>& result) {
    return result ? *result : std::vector<std::string>{"error: " + result.error().message};
}

api::MediaPart part(MediaSource source, std::string data, std::string param) {
    api::MediaPart media;
    media.source = source;
    media.data = std::move(data);
    media.param = std::move(param);
    return media;
}

std::vector<api::ChatMessage> one_message(std::vector<api::MediaPart> media) {
    api::ChatMessage message;
    message.role = "user";
    message.content = "describe";
    message.media = std::move(media);
    return {message};
}

void expect_refused(const Result<std::vector<std::string>>& result, ErrorCode code, int status,
                    const std::string& param, const std::string& words) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().code, code) << result.error().message;
    EXPECT_EQ(api::http_status(result.error().code), status);
    EXPECT_EQ(result.error().param, param);
    EXPECT_NE(result.error().message.find(words), std::string::npos) << result.error().message;
    EXPECT_EQ(result.error().message.rfind("'" + param + "': ", 0), 0u) << result.error().message;
}

TEST(ResolveMedia, InlineImagesComeBackInOrder) {
    api::ChatMessage first;
    first.role = "user";
    first.media = {part(MediaSource::DATA, png_header(2, 2), "a"), part(MediaSource::DATA, png_header(3, 3), "b")};
    api::ChatMessage text_only;
    text_only.role = "assistant";
    api::ChatMessage last;
    last.role = "user";
    last.media = {part(MediaSource::DATA, hearth::testing::gif_header(4, 4), "c")};
    Result<std::vector<std::string>> images = resolve_media({first, text_only, last}, MediaConfig{});
    ASSERT_TRUE(images) << images.error().message;
    EXPECT_EQ(*images,
              (std::vector<std::string>{png_header(2, 2), png_header(3, 3), hearth::testing::gif_header(4, 4)}));
    EXPECT_TRUE(resolve_media(one_message({}), MediaConfig{}).value().empty());
}

TEST(ResolveMedia, WhatIsNotAnImageIsRefused) {
    expect_refused(resolve_media(one_message({part(MediaSource::DATA, "hello", "p")}), MediaConfig{}),
                   ErrorCode::INVALID_ARGUMENT, 400, "p", "not a PNG, JPEG, WebP, GIF or BMP image");
    expect_refused(
        resolve_media(one_message({part(MediaSource::DATA, png_header(2, 2).substr(0, 20), "q")}), MediaConfig{}),
        ErrorCode::INVALID_ARGUMENT, 400, "q", "corrupt PNG");
}

TEST(ResolveMedia, PixelAndByteLimits) {
    MediaConfig config;
    config.max_image_pixels = 100 * 100;
    EXPECT_TRUE(resolve_media(one_message({part(MediaSource::DATA, png_header(100, 100), "p")}), config));
    expect_refused(resolve_media(one_message({part(MediaSource::DATA, png_header(100, 101), "p")}), config),
                   ErrorCode::PAYLOAD_TOO_LARGE, 413, "p", "100x101");
    // The product is taken in 64 bits: two large sides do not wrap around to a small count.
    expect_refused(
        resolve_media(one_message({part(MediaSource::DATA, png_header(0x7FFFFFFF, 0x7FFFFFFF), "p")}), MediaConfig{}),
        ErrorCode::PAYLOAD_TOO_LARGE, 413, "p", "pixels");
    config.max_image_bytes = png_header(1, 1).size() - 1;
    expect_refused(resolve_media(one_message({part(MediaSource::DATA, png_header(1, 1), "p")}), config),
                   ErrorCode::PAYLOAD_TOO_LARGE, 413, "p", "the limit is");
}

TEST(ResolveMedia, ImageCountLimit) {
    MediaConfig config;
    config.max_images = 1;
    expect_refused(resolve_media(one_message({part(MediaSource::DATA, png_header(1, 1), "a"),
                                              part(MediaSource::DATA, png_header(1, 1), "b")}),
                                 config),
                   ErrorCode::INVALID_ARGUMENT, 400, "b", "at most 1");
}

TEST(ResolveMedia, ChatRequestLimitsFollowTheConfig) {
    MediaConfig config;
    config.max_image_bytes = 1234;
    config.max_images = 3;
    const api::RequestLimits limits = chat_request_limits(config);
    EXPECT_EQ(limits.max_image_bytes, 1234u);
    EXPECT_EQ(limits.max_images, 3u);
    EXPECT_EQ(limits.max_n, api::RequestLimits{}.max_n);
}

TEST(ResolveMedia, RemoteUrlsNeedTheFlag) {
    expect_refused(
        resolve_media(one_message({part(MediaSource::REMOTE, "https://example.com/a.png", "u")}), MediaConfig{}),
        ErrorCode::UNSUPPORTED, 400, "u", "--allow-remote-media");
}

TEST(ResolveMedia, FileUrlsNeedAMediaDir) {
    hearth::testing::TempDir dir;
    const std::string file = dir.write("media/a.png", png_header(5, 6));
    dir.write("outside.png", png_header(5, 6));
    const std::vector<api::ChatMessage> messages = one_message({part(MediaSource::FILE, "file://" + file, "f")});
    expect_refused(resolve_media(messages, MediaConfig{}), ErrorCode::UNSUPPORTED, 400, "f", "--media-dir");
    MediaConfig config;
    config.media_dir = (dir.path() / "media").string();
    EXPECT_EQ(images_or_error(resolve_media(messages, config)), std::vector<std::string>{png_header(5, 6)});
    const std::string outside = "file://" + (dir.path() / "media/../outside.png").string();
    expect_refused(resolve_media(one_message({part(MediaSource::FILE, outside, "f")}), config),
                   ErrorCode::INVALID_ARGUMENT, 400, "f", "outside the media directory");
    expect_refused(resolve_media(one_message({part(MediaSource::FILE, "file://" + file + "x", "f")}), config),
                   ErrorCode::INVALID_ARGUMENT, 400, "f", "no readable file");
}

class RemoteMediaTest : public ::testing::Test {
protected:
    void SetUp() override {
        http::HttpServerConfig http;
        http.port = 0;
        server_ = std::make_unique<http::HttpServer>(
            http,
            [](const http::HttpRequest& request) {
                http::HttpResponse response;
                response.content_type = "image/png";
                response.status = request.path == "/missing" ? 404 : 200;
                response.body = request.path == "/text" ? "just text" : png_header(7, 8);
                return response;
            },
            [](int status, const std::string&, std::string_view) {
                http::HttpResponse response;
                response.status = status;
                return response;
            });
        ASSERT_TRUE(server_->start());
        config_.allow_remote = true;
        config_.allow_address = [](const sockaddr* address) {
            sockaddr_in in{};
            std::memcpy(&in, address, sizeof(in));
            return address->sa_family == AF_INET && ntohl(in.sin_addr.s_addr) == INADDR_LOOPBACK;
        };
    }
    void TearDown() override { server_->stop(); }
    std::vector<api::ChatMessage> remote(const std::string& path) const {
        return one_message(
            {part(MediaSource::REMOTE, "http://127.0.0.1:" + std::to_string(server_->port()) + path, "r")});
    }

    std::unique_ptr<http::HttpServer> server_;
    MediaConfig config_;
};

TEST_F(RemoteMediaTest, FetchesAndChecksRemoteImages) {
    EXPECT_EQ(images_or_error(resolve_media(remote("/a.png"), config_)), std::vector<std::string>{png_header(7, 8)});
    expect_refused(resolve_media(remote("/missing"), config_), ErrorCode::INVALID_ARGUMENT, 400, "r", "HTTP 404");
    expect_refused(resolve_media(remote("/text"), config_), ErrorCode::INVALID_ARGUMENT, 400, "r", "not a PNG");
    MediaConfig small = config_;
    small.max_image_bytes = 10;
    expect_refused(resolve_media(remote("/a.png"), small), ErrorCode::PAYLOAD_TOO_LARGE, 413, "r", "larger than 10");
}

TEST_F(RemoteMediaTest, TheDefaultPolicyStillRefusesLoopback) {
    MediaConfig config = config_;
    config.allow_address = nullptr;
    expect_refused(resolve_media(remote("/a.png"), config), ErrorCode::INVALID_ARGUMENT, 400, "r", "private address");
}

TEST_F(RemoteMediaTest, TheFetchDeadlineCoversTheWholeRequest) {
    MediaConfig config = config_;
    config.fetch_timeout = 0ms;
    expect_refused(resolve_media(remote("/a.png"), config), ErrorCode::INVALID_ARGUMENT, 400, "r", "longer than 0 ms");
}

}  // namespace
}  // namespace hearth::server

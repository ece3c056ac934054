// The image header probe: each format's dimensions from its first bytes, and a clean refusal (never a read
// out of bounds) for truncated, corrupt and foreign input.

#include "util/image_header.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>

#include "image_fixtures.h"

namespace hearth {
namespace {

using namespace hearth::testing;
using namespace std::string_literals;

void expect_image(const std::string& bytes, ImageFormat format, uint32_t width, uint32_t height) {
    Result<ImageInfo> info = probe_image_header(bytes);
    ASSERT_TRUE(info) << info.error().message;
    EXPECT_EQ(info->format, format);
    EXPECT_EQ(info->width, width);
    EXPECT_EQ(info->height, height);
}

void expect_corrupt(const std::string& bytes, const std::string& format_name) {
    Result<ImageInfo> info = probe_image_header(bytes);
    ASSERT_FALSE(info) << format_name << " " << bytes.size() << " bytes";
    EXPECT_EQ(info.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(info.error().message.find(format_name), std::string::npos) << info.error().message;
}

TEST(ImageHeader, ReadsEachFormat) {
    expect_image(png_header(640, 480), ImageFormat::PNG, 640, 480);
    expect_image(png_header(1, 0x7FFFFFFF), ImageFormat::PNG, 1, 0x7FFFFFFF);
    expect_image(jpeg_header(1920, 1080), ImageFormat::JPEG, 1920, 1080);
    expect_image(jpeg_header(65535, 3, 0xC2), ImageFormat::JPEG, 65535, 3);  // progressive
    expect_image(gif_header(320, 200), ImageFormat::GIF, 320, 200);
    expect_image(bmp_header(800, 600), ImageFormat::BMP, 800, 600);
    expect_image(bmp_header(800, -600), ImageFormat::BMP, 800, 600);  // top-down
    expect_image(bmp_core_header(64, 32), ImageFormat::BMP, 64, 32);
    expect_image(webp_vp8_header(1000, 750), ImageFormat::WEBP, 1000, 750);
    expect_image(webp_vp8l_header(16384, 1), ImageFormat::WEBP, 16384, 1);
    expect_image(webp_vp8x_header(1 << 24, 77), ImageFormat::WEBP, 1 << 24, 77);
}

TEST(ImageHeader, JpegSkipsStandaloneMarkers) {
    std::string bytes = jpeg_header(10, 20);
    // An RST marker (no length) between APP0 and DQT.
    bytes.insert(20, std::string("\xFF\xD0", 2));
    expect_image(bytes, ImageFormat::JPEG, 10, 20);
}

TEST(ImageHeader, UnknownFormatsAreNamedAsSuch) {
    for (const std::string& bytes :
         {std::string(), std::string("hello world"), std::string("\x89PN", 3), std::string("\xFF\xD8", 2),
          std::string("GIF88a0000"), "RIFF\x10\x00\x00\x00WAVEfmt "s, std::string(1000, '\0'),
          std::string("<svg xmlns=\"http://www.w3.org/2000/svg\"/>")}) {
        Result<ImageInfo> info = probe_image_header(bytes);
        ASSERT_FALSE(info) << bytes;
        EXPECT_EQ(info.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(info.error().message, "not a PNG, JPEG, WebP, GIF or BMP image");
    }
}

// A JPEG up to the end of its frame header's width: all the probe needs.
std::string jpeg_frame_prefix() {
    const std::string whole = jpeg_header(5, 5);
    return whole.substr(0, whole.find("\xFF\xC0") + 2 + 7);
}

// Every proper prefix of a header that the probe needs whole is refused as that format, never read beyond.
TEST(ImageHeader, TruncatedHeadersAreCorrupt) {
    const std::pair<std::string, std::string> cases[] = {
        {png_header(5, 5).substr(0, 24), "PNG"},        {jpeg_frame_prefix(), "JPEG"},
        {gif_header(5, 5).substr(0, 10), "GIF"},        {bmp_header(5, 5).substr(0, 26), "BMP"},
        {bmp_core_header(5, 5).substr(0, 22), "BMP"},   {webp_vp8_header(5, 5).substr(0, 30), "WebP"},
        {webp_vp8l_header(5, 5).substr(0, 25), "WebP"}, {webp_vp8x_header(5, 5).substr(0, 30), "WebP"},
    };
    for (const auto& [whole, name] : cases) {
        ASSERT_TRUE(probe_image_header(whole)) << name;
        const std::map<std::string, size_t> signature_size = {
            {"PNG", 8}, {"JPEG", 3}, {"GIF", 6}, {"BMP", 2}, {"WebP", 12}};
        const size_t signature = signature_size.at(name);
        for (size_t n = signature; n < whole.size(); ++n) {
            expect_corrupt(whole.substr(0, n), name);
        }
    }
}

TEST(ImageHeader, CorruptHeadersAreRefused) {
    std::string png = png_header(5, 5);
    png[12] = 'X';  // first chunk not IHDR
    expect_corrupt(png, "PNG");
    expect_corrupt(png_header(0, 5), "PNG");
    expect_corrupt(png_header(5, 0x80000000u), "PNG");
    expect_corrupt(jpeg_header(0, 5), "JPEG");
    expect_corrupt(jpeg_header(5, 0), "JPEG");  // a height left to a DNL segment is not supported
    std::string jpeg = jpeg_header(5, 5);
    jpeg[20] = 'x';  // where a marker must be
    expect_corrupt(jpeg, "JPEG");
    expect_corrupt(std::string("\xFF\xD8\xFF\xDA\x00\x02", 6), "JPEG");              // scan before any frame
    expect_corrupt(std::string("\xFF\xD8\xFF\xD9", 4), "JPEG");                      // end of image
    expect_corrupt(std::string("\xFF\xD8\xFF\xE0\x00\x01\x00\x00", 8), "JPEG");      // length below 2
    expect_corrupt(std::string("\xFF\xD8\xFF\xC0\x00\x05\x08\x00\x05", 9), "JPEG");  // frame segment too short
    expect_corrupt(gif_header(0, 5), "GIF");
    expect_corrupt(bmp_header(-5, 5), "BMP");
    expect_corrupt(bmp_header(5, 0), "BMP");
    std::string bmp = bmp_header(5, 5);
    bmp[14] = 8;  // a DIB header size no version has
    expect_corrupt(bmp, "BMP");
    std::string vp8 = webp_vp8_header(5, 5);
    vp8[20] = 1;  // an inter frame
    expect_corrupt(vp8, "WebP");
    std::string vp8l = webp_vp8l_header(5, 5);
    vp8l[20] = 0;
    expect_corrupt(vp8l, "WebP");
    expect_corrupt(riff_webp("ALPH", std::string(20, 'x')), "WebP");
}

// Random bytes behind each signature: refusals or results, never a crash (the fuzzer does this at length).
TEST(ImageHeader, RandomTailsNeverCrash) {
    std::mt19937 rng(11);
    const std::string signatures[] = {
        "\x89PNG\r\n\x1a\n"s,    "\xFF\xD8\xFF"s,        "GIF89a"s, "BM"s, "RIFF\0\0\0\0WEBPVP8 "s,
        "RIFF\0\0\0\0WEBPVP8L"s, "RIFF\0\0\0\0WEBPVP8X"s};
    for (int round = 0; round < 2000; ++round) {
        std::string bytes = signatures[round % 7];
        bytes.resize(bytes.size() + rng() % 40);
        for (size_t i = signatures[round % 7].size(); i < bytes.size(); ++i) {
            bytes[i] = static_cast<char>(rng() % 3 == 0 ? 0xFF : rng() & 0xFF);
        }
        Result<ImageInfo> info = probe_image_header(bytes);
        if (info) {
            EXPECT_GT(info->width, 0u);
            EXPECT_GT(info->height, 0u);
        } else {
            EXPECT_FALSE(info.error().message.empty());
        }
    }
}

}  // namespace
}  // namespace hearth

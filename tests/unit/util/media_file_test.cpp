// file:// image URLs: read only from inside the media directory, whatever "..", links or encodings try.

#include "util/media_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.h"

namespace hearth {
namespace {

namespace fs = std::filesystem;
using hearth::testing::TempDir;

// The bytes, or the error's message where a test expects bytes: a failure then shows why.
std::string bytes_or_error(const Result<std::string>& result) {
    return result ? *result : "error: " + result.error().message;
}

class MediaFileTest : public ::testing::Test {
protected:
    void SetUp() override {
        media_ = (root_.path() / "media").string();
        root_.write("media/cat.png", "meow");
        root_.write("media/sub dir/dog.png", "woof");
        root_.write("secret.txt", "top secret");
        root_.write("media-other/x.png", "other");
    }
    Result<std::string> read(const std::string& url, size_t max_bytes = 1000) const {
        return read_media_file(url, media_, max_bytes);
    }
    std::string url(const std::string& relative) const { return "file://" + (root_.path() / relative).string(); }
    void expect_refused(const std::string& target, ErrorCode code, const std::string& words) const {
        Result<std::string> bytes = read(target);
        ASSERT_FALSE(bytes) << target;
        EXPECT_EQ(bytes.error().code, code) << target;
        EXPECT_NE(bytes.error().message.find(words), std::string::npos) << target << ": " << bytes.error().message;
        EXPECT_EQ(bytes.error().message.find("secret"), std::string::npos);  // never what lies outside
    }

    TempDir root_;
    std::string media_;
};

TEST_F(MediaFileTest, ReadsFilesInsideTheDirectory) {
    EXPECT_EQ(bytes_or_error(read(url("media/cat.png"))), "meow");
    EXPECT_EQ(bytes_or_error(read(url("media/sub%20dir/dog.png"))), "woof");
    EXPECT_EQ(bytes_or_error(read("file://localhost" + (root_.path() / "media/cat.png").string())), "meow");
    EXPECT_EQ(bytes_or_error(read(url("media/sub dir/../cat.png"))), "meow");  // ".." that stays inside
    EXPECT_EQ(bytes_or_error(read_media_file(url("media/cat.png"), media_ + "/", 1000)), "meow");
}

TEST_F(MediaFileTest, DotDotCannotLeave) {
    expect_refused(url("media/../secret.txt"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
    expect_refused(url("media/%2e%2e/secret.txt"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
    expect_refused(url("media/nothing/../../secret.txt"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
    expect_refused(url("media/cat.png/../../secret.txt"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
}

TEST_F(MediaFileTest, APrefixOfTheNameIsNotInside) {
    expect_refused(url("media-other/x.png"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
}

TEST_F(MediaFileTest, LinksLeadingOutAreRefused) {
    fs::create_symlink(root_.path() / "secret.txt", root_.path() / "media/escape.png");
    fs::create_directory_symlink(root_.path(), root_.path() / "media/up");
    expect_refused(url("media/escape.png"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
    expect_refused(url("media/up/secret.txt"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");
    // A link that stays inside is fine.
    fs::create_symlink(root_.path() / "media/cat.png", root_.path() / "media/kitten.png");
    EXPECT_EQ(bytes_or_error(read(url("media/kitten.png"))), "meow");
}

TEST_F(MediaFileTest, AMediaDirReachedThroughALinkStillWorks) {
    fs::create_directory_symlink(root_.path() / "media", root_.path() / "media-link");
    EXPECT_EQ(bytes_or_error(read_media_file(url("media/cat.png"), (root_.path() / "media-link").string(), 1000)),
              "meow");
}

TEST_F(MediaFileTest, MissingFilesAndDirectoriesAreRefused) {
    expect_refused(url("media/none.png"), ErrorCode::INVALID_ARGUMENT, "no readable file");
    expect_refused(url("media/sub%20dir"), ErrorCode::INVALID_ARGUMENT, "not a regular file");
    expect_refused(url("media"), ErrorCode::INVALID_ARGUMENT, "outside the media directory");  // the dir itself
}

TEST_F(MediaFileTest, SizeLimitApplies) {
    EXPECT_TRUE(read(url("media/cat.png"), 4));
    Result<std::string> over = read(url("media/cat.png"), 3);
    ASSERT_FALSE(over);
    EXPECT_EQ(over.error().code, ErrorCode::PAYLOAD_TOO_LARGE);
}

TEST_F(MediaFileTest, MalformedUrlsAreRefused) {
    for (const std::string& bad : {std::string("file://otherhost/etc/passwd"), std::string("file:relative.png"),
                                   std::string("file://"), url("media/cat.png") + "?x=1", url("media/cat.png") + "#f",
                                   url("media/cat%2.png"), url("media/cat%00.png"), std::string("http://x/cat.png")}) {
        Result<std::string> bytes = read(bad);
        ASSERT_FALSE(bytes) << bad;
        EXPECT_EQ(bytes.error().code, ErrorCode::INVALID_ARGUMENT) << bad;
    }
}

TEST_F(MediaFileTest, AnUnusableMediaDirIsAServerError) {
    Result<std::string> bytes = read_media_file(url("media/cat.png"), (root_.path() / "gone").string(), 1000);
    ASSERT_FALSE(bytes);
    EXPECT_EQ(bytes.error().code, ErrorCode::INTERNAL);
    EXPECT_FALSE(read_media_file(url("media/cat.png"), "", 1000));
}

}  // namespace
}  // namespace hearth

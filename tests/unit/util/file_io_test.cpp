// Whole-file reads and atomic writes, including a writer killed in the middle of writing.

#include "util/file_io.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include "temp_dir.h"

namespace hearth {
namespace {

using testing::TempDir;

TEST(FileIo, WritesReadsAndReplaces) {
    TempDir dir;
    const std::string path = (dir.path() / "sub" / "config.json").string();  // the folder is created
    ASSERT_TRUE(write_file_atomically(path, "one"));
    EXPECT_EQ(*read_text_file(path), "one");
    ASSERT_TRUE(write_file_atomically(path, "two, longer"));
    EXPECT_EQ(*read_text_file(path), "two, longer");
    // No temporary file is left behind.
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path() / "sub"), {}), 1);
}

TEST(FileIo, MissingFileIsNotFound) {
    TempDir dir;
    auto text = read_text_file((dir.path() / "nope.json").string());
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().code, ErrorCode::NOT_FOUND);
}

TEST(FileIo, FailedWriteLeavesTheOldFileAndNoTemporary) {
    TempDir dir;
    const std::string path = dir.write("config.json", "old");
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    auto written = write_file_atomically(path, "new");
    std::filesystem::permissions(dir.path(), std::filesystem::perms::owner_all);
    if (::geteuid() != 0) {  // root writes anyway
        ASSERT_FALSE(written);
        EXPECT_EQ(written.error().code, ErrorCode::INTERNAL);
        EXPECT_EQ(*read_text_file(path), "old");
    }
}

// A process killed at any moment while writing leaves either the old file or the new one, never a mix.
TEST(FileIo, KilledWriterLeavesOldOrNewWhole) {
    TempDir dir;
    const std::string path = dir.write("config.json", "old");
    const std::string big(64 << 20, 'n');
    for (const int delay_ms : {0, 5, 20, 60}) {
        const pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            (void)write_file_atomically(path, big);
            ::_exit(0);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        ::kill(child, SIGKILL);
        int status = 0;
        ::waitpid(child, &status, 0);
        const auto text = read_text_file(path);
        ASSERT_TRUE(text);
        EXPECT_TRUE(*text == "old" || *text == big) << "delay " << delay_ms << " ms: " << text->size() << " bytes";
        ASSERT_TRUE(write_file_atomically(path, "old"));
    }
}

}  // namespace
}  // namespace hearth

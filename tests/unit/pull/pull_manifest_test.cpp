#include "pull/pull_manifest.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace hearth::pull {
namespace {

ManifestModel model(const std::string& tag) {
    return {"org/repo:" + tag,
            tag,
            "c0ffee",
            "2026-12-05T00:00:00Z",
            {{"M-" + tag + ".gguf", 10, std::string(64, 'a'), "model"},
             {"mmproj-F16.gguf", 4, std::string(64, 'b'), "mmproj"}}};
}

TEST(PullManifest, MissingIsEmptyAndUpdatesRoundTrip) {
    testing::TempDir dir;
    const std::string path = (dir.path() / "hearth-pull.json").string();
    auto empty = read_manifest(path);
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->models.empty());
    ASSERT_TRUE(update_manifest(path, [](Manifest& m) {
        m.repo = "org/repo";
        m.endpoint = "https://huggingface.co";
        m.models.push_back(model("Q8_0"));
    }));
    ASSERT_TRUE(update_manifest(path, [](Manifest& m) { m.models.push_back(model("F16")); }));
    auto read = read_manifest(path);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->repo, "org/repo");
    ASSERT_EQ(read->models.size(), 2U);
    EXPECT_EQ(read->models[1].name, "org/repo:F16");
    ASSERT_EQ(read->models[0].files.size(), 2U);
    EXPECT_EQ(read->models[0].files[1].role, "mmproj");
    EXPECT_EQ(read->models[0].files[0].size, 10);
    EXPECT_EQ(read->models[0].revision, "c0ffee");
    // The last model gone, the manifest goes too.
    ASSERT_TRUE(update_manifest(path, [](Manifest& m) { m.models.clear(); }));
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(PullManifest, AFileThatIsNotOneIsAnError) {
    testing::TempDir dir;
    const std::string path = (dir.path() / "hearth-pull.json").string();
    std::ofstream(path) << "[1, 2";
    auto read = read_manifest(path);
    ASSERT_FALSE(read.has_value());
    EXPECT_EQ(read.error().code, ErrorCode::INTERNAL);
    EXPECT_FALSE(update_manifest(path, [](Manifest&) {}).has_value());
}

}  // namespace
}  // namespace hearth::pull

#include "registry/model_catalog.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "gguf_fixture.h"
#include "temp_dir.h"

namespace hearth::registry {
namespace {

using hearth::testing::TempDir;
using hearth::testing::write_tiny_gguf;

std::vector<std::string> ids(const CatalogScan& scan) {
    std::vector<std::string> out;
    for (const auto& m : scan.models) {
        out.push_back(m.id);
    }
    return out;
}

TEST(ModelCatalog, FindsModelsRecursivelyAndNamesThemByStem) {
    TempDir dir;
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "top.gguf").string()));
    std::filesystem::create_directories(dir.path() / "nested/deeper");
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "nested/deeper/inner.gguf").string(), "bert"));
    dir.write("readme.txt", "not a candidate");
    dir.write("audio.wav", "RIFF....");
    const CatalogScan scan = scan_models_dir(dir.path().string());
    EXPECT_TRUE(scan.error.empty());
    EXPECT_EQ(ids(scan), (std::vector<std::string>{"inner", "top"}));
    EXPECT_TRUE(scan.rejected.empty());  // .txt and .wav are not even candidates
    EXPECT_EQ(scan.models[0].info.kind, core::ModelKind::EMBEDDING);
    EXPECT_GT(scan.models[1].created_unix, 1600000000);
}

TEST(ModelCatalog, StemCollisionsGetTheirDirectory) {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "a");
    std::filesystem::create_directories(dir.path() / "b");
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "a/dup.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "b/dup.gguf").string()));
    EXPECT_EQ(ids(scan_models_dir(dir.path().string())), (std::vector<std::string>{"b/dup", "dup"}));
}

TEST(ModelCatalog, EveryFileGetsItsOwnReachableId) {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "a");
    for (const char* name : {"a/dup.bin", "a/dup.gguf", "a/dup.ggml", "dup.gguf"}) {
        ASSERT_TRUE(write_tiny_gguf((dir.path() / name).string()));
    }
    // The top-level file keeps the plain stem; no id starts with "./"; no two files share an id.
    EXPECT_EQ(ids(scan_models_dir(dir.path().string())),
              (std::vector<std::string>{"a/dup", "a/dup.ggml", "a/dup.gguf", "dup"}));
}

TEST(ModelCatalog, PulledModelsAreNamedByRepoAndTag) {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "org/repo/sub");
    dir.write("org/repo/hearth-pull.json", "{}");
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/repo/Model-Q8_0.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/repo/sub/Model-F16.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/repo/untagged.gguf").string()));
    // Without a manifest, the same layout is only files.
    std::filesystem::create_directories(dir.path() / "org/other");
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/other/Other-Q4_0.gguf").string()));
    EXPECT_EQ(ids(scan_models_dir(dir.path().string())),
              (std::vector<std::string>{"Other-Q4_0", "org/repo:F16", "org/repo:Q8_0", "org/repo:untagged"}));
}

TEST(ModelCatalog, SplitPartsAfterTheFirstAreNoModels) {
    TempDir dir;
    for (const char* name :
         {"Big-Q8_0-00001-of-00003.gguf", "Big-Q8_0-00002-of-00003.gguf", "Big-Q8_0-00003-of-00003.gguf"}) {
        ASSERT_TRUE(write_tiny_gguf((dir.path() / name).string()));
    }
    const CatalogScan scan = scan_models_dir(dir.path().string());
    EXPECT_EQ(ids(scan), (std::vector<std::string>{"Big-Q8_0-00001-of-00003"}));
    EXPECT_TRUE(scan.rejected.empty());
}

TEST(ModelCatalog, BadFilesAreReportedAndNeverBreakTheScan) {
    TempDir dir;
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "good.gguf").string()));
    dir.write("junk.gguf", "this is text");
    dir.write("tiny.bin", "ab");
    dir.write("weights.ggml", std::string(100, '\0'));
    dir.write(".hidden/secret.gguf", "hidden files are skipped");
    const CatalogScan scan = scan_models_dir(dir.path().string());
    EXPECT_EQ(ids(scan), (std::vector<std::string>{"good"}));
    ASSERT_EQ(scan.rejected.size(), 3u);
    for (const auto& file : scan.rejected) {
        EXPECT_FALSE(file.reason.empty()) << file.path;
        EXPECT_EQ(file.path.find(".hidden"), std::string::npos);
    }
}

const CatalogEntry* find(const CatalogScan& scan, const std::string& id) {
    const auto it =
        std::find_if(scan.models.begin(), scan.models.end(), [&](const CatalogEntry& m) { return m.id == id; });
    return it == scan.models.end() ? nullptr : &*it;
}

TEST(ModelCatalog, AProjectorGoesWithTheTextModelsBesideIt) {
    TempDir dir;
    for (const char* sub : {"one", "two", "embed"}) {
        std::filesystem::create_directories(dir.path() / sub);
    }
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "one/vl-7b-q4.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "one/vl-7b-q8.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "one/mmproj-vl-7b-f16.gguf").string(), "clip"));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "two/alpha-q4.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "two/beta-q4.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "two/mmproj-beta.gguf").string(), "clip"));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "two/mmproj_alpha_f16.gguf").string(), "clip"));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "embed/encoder.gguf").string(), "bert"));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "embed/mmproj-lost.gguf").string(), "clip"));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "top.gguf").string()));
    const CatalogScan scan = scan_models_dir(dir.path().string());
    // No projector is a model of its own.
    EXPECT_EQ(ids(scan), (std::vector<std::string>{"alpha-q4", "beta-q4", "encoder", "top", "vl-7b-q4", "vl-7b-q8"}));
    const std::string one = (dir.path() / "one/mmproj-vl-7b-f16.gguf").string();
    EXPECT_EQ(find(scan, "vl-7b-q4")->mmproj, one);  // every quantization of the model shares it
    EXPECT_EQ(find(scan, "vl-7b-q8")->mmproj, one);
    EXPECT_EQ(find(scan, "alpha-q4")->mmproj, (dir.path() / "two/mmproj_alpha_f16.gguf").string());
    EXPECT_EQ(find(scan, "beta-q4")->mmproj, (dir.path() / "two/mmproj-beta.gguf").string());
    EXPECT_TRUE(find(scan, "encoder")->mmproj.empty());  // an embedding model takes no projector
    EXPECT_TRUE(find(scan, "top")->mmproj.empty());      // nor does a model with none beside it
    // The projector with no text model beside it stays listed as not servable, with the probe's reason.
    ASSERT_EQ(scan.rejected.size(), 1u);
    EXPECT_NE(scan.rejected[0].path.find("mmproj-lost"), std::string::npos);
    EXPECT_NE(scan.rejected[0].reason.find("projector"), std::string::npos);
}

TEST(ModelCatalog, MissingDirectoryIsAnErrorNotACrash) {
    TempDir dir;
    const CatalogScan scan = scan_models_dir((dir.path() / "does-not-exist").string());
    EXPECT_TRUE(scan.models.empty());
    EXPECT_NE(scan.error.find("cannot read models directory"), std::string::npos);
}

}  // namespace
}  // namespace hearth::registry

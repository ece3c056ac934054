#include "registry/model_registry.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "gguf_fixture.h"
#include "temp_dir.h"

namespace hearth::registry {
namespace {

using hearth::testing::TempDir;
using hearth::testing::write_tiny_gguf;

TEST(ModelRegistry, ListsFindsAndRescans) {
    TempDir dir;
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "one.gguf").string()));
    dir.write("broken.gguf", "GGUF");
    ModelRegistry registry(dir.path().string());
    ASSERT_EQ(registry.list().size(), 1u);
    EXPECT_EQ(registry.list()[0].state, ModelState::UNLOADED);
    ASSERT_TRUE(registry.find("one").has_value());
    EXPECT_FALSE(registry.find("two").has_value());
    EXPECT_EQ(registry.rejected().size(), 1u);

    ASSERT_TRUE(write_tiny_gguf((dir.path() / "two.gguf").string()));
    std::filesystem::remove(dir.path() / "one.gguf");
    registry.rescan();
    EXPECT_FALSE(registry.find("one").has_value());
    EXPECT_TRUE(registry.find("two").has_value());
}

TEST(ModelRegistry, PulledModelsAnswerToTheirTagInAnyCaseAndToTheRepoWhenAlone) {
    TempDir dir;
    std::filesystem::create_directories(dir.path() / "org/one");
    std::filesystem::create_directories(dir.path() / "org/two");
    dir.write("org/one/hearth-pull.json", "{}");
    dir.write("org/two/hearth-pull.json", "{}");
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/one/M-Q8_0.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/two/M-Q8_0.gguf").string()));
    ASSERT_TRUE(write_tiny_gguf((dir.path() / "org/two/M-F16.gguf").string()));
    ModelRegistry registry(dir.path().string());
    EXPECT_EQ(registry.find("org/one:q8_0")->entry.id, "org/one:Q8_0");
    EXPECT_EQ(registry.find("org/one")->entry.id, "org/one:Q8_0");
    EXPECT_EQ(registry.find("ORG/TWO:f16")->entry.id, "org/two:F16");
    EXPECT_FALSE(registry.find("org/two").has_value());  // two tags: which one is not for hearth to guess
    EXPECT_FALSE(registry.find("org/one:Q4_0").has_value());
    EXPECT_FALSE(registry.find("org").has_value());
}

// A vlm is a text model served with its projector: configured with one it is servable, without one it is not.
TEST(ModelRegistry, AConfiguredProjectorGoesWithItsModel) {
    TempDir dir;
    const std::string text = (dir.path() / "vl.gguf").string();
    ASSERT_TRUE(write_tiny_gguf(text));
    RegistryConfig config;
    core::ModelSpec with;
    with.name = "vl";
    with.path = text;
    with.kind = core::ModelKind::VLM;
    with.mmproj = (dir.path() / "proj.gguf").string();
    core::ModelSpec without = with;
    without.name = "vl-bare";
    without.mmproj.clear();
    core::ModelSpec plain = without;
    plain.name = "plain";
    plain.kind.reset();
    config.configured = {with, without, plain};
    ModelRegistry registry(config);
    const auto vl = registry.find("vl");
    ASSERT_TRUE(vl.has_value());
    EXPECT_EQ(vl->entry.mmproj, with.mmproj);
    EXPECT_EQ(vl->entry.info.kind, core::ModelKind::LLM);
    EXPECT_EQ(vl->state, ModelState::UNLOADED);
    const auto bare = registry.find("vl-bare");
    ASSERT_TRUE(bare.has_value());
    EXPECT_EQ(bare->state, ModelState::FAILED);
    EXPECT_NE(bare->last_error.find("projector"), std::string::npos);
    EXPECT_TRUE(registry.find("plain")->entry.mmproj.empty());
}

TEST(ModelState, Names) {
    EXPECT_EQ(to_string(ModelState::UNLOADED), "unloaded");
    EXPECT_EQ(to_string(ModelState::READY), "ready");
    EXPECT_EQ(to_string(ModelState::FAILED), "failed");
}

}  // namespace
}  // namespace hearth::registry

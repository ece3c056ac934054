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

TEST(ModelState, Names) {
    EXPECT_EQ(to_string(ModelState::UNLOADED), "unloaded");
    EXPECT_EQ(to_string(ModelState::READY), "ready");
    EXPECT_EQ(to_string(ModelState::FAILED), "failed");
}

}  // namespace
}  // namespace hearth::registry

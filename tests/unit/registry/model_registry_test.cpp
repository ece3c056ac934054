#include "registry/model_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

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

// Stands for a model's process: alive until the test says it ended.
class FakeIsolated final : public IsolatedModel {
public:
    uint16_t port() const override { return 1; }
    const std::string& token() const override { return token_; }
    bool alive() const override { return alive_; }
    std::string failure() const override { return "the model's process ended (signal 6 (Aborted))"; }
    std::vector<std::pair<std::string, int>> layer_placement() const override { return {{"CPU", 2}, {"RPC0", 4}}; }
    std::vector<std::string> voices() const override { return {}; }
    void stop() override { stopped_ = true; }

    std::atomic<bool> alive_{true};
    std::atomic<bool> stopped_{false};

private:
    std::string token_ = "t";
};

// A text model that runs isolated is started through the launcher, leased like any model, failed (with how its
// process ended) once the process is gone, started again by the next request, and stopped by an unload.
// A registry of one configured model "iso" (a tiny file in `dir`) with these options.
RegistryConfig one_model(const TempDir& dir, const core::LoadOptions& options) {
    const std::string path = (dir.path() / "weights.gguf").string();
    EXPECT_TRUE(write_tiny_gguf(path));
    RegistryConfig config;
    config.models_dir = (dir.path() / "none").string();
    core::ModelSpec spec;
    spec.name = "iso";
    spec.path = path;
    spec.options = options;
    config.configured = {spec};
    return config;
}

TEST(ModelRegistry, AnIsolatedModelLivesAndDiesWithItsProcess) {
    TempDir dir;
    core::LoadOptions isolated;
    isolated.rpc = {"127.0.0.1:50052"};  // isolated by default
    RegistryConfig config = one_model(dir, isolated);
    std::vector<std::shared_ptr<FakeIsolated>> launched;
    std::mutex launched_mutex;
    const ModelRegistry* observed = nullptr;
    config.launch_isolated = [&](const CatalogEntry& entry, const core::LoadOptions& options,
                                 const LoadProgress& progress) -> Result<std::shared_ptr<IsolatedModel>> {
        EXPECT_EQ(entry.id, "iso");
        EXPECT_EQ(options.rpc, std::vector<std::string>{"127.0.0.1:50052"});
        progress(0.25F);  // the process's load progress shows in the model's status
        EXPECT_EQ(observed->find("iso")->state, ModelState::LOADING);
        EXPECT_FLOAT_EQ(observed->find("iso")->load_progress, 0.25F);
        const std::lock_guard lock(launched_mutex);
        launched.push_back(std::make_shared<FakeIsolated>());
        return std::shared_ptr<IsolatedModel>(launched.back());
    };
    ModelRegistry registry(config);
    observed = &registry;
    ASSERT_TRUE(registry.find("iso"));
    {
        auto model = registry.acquire_isolated("iso");
        ASSERT_TRUE(model) << model.error().message;
        EXPECT_EQ(registry.find("iso")->state, ModelState::READY);
        EXPECT_EQ(registry.find("iso")->layer_placement.size(), 2u);
        EXPECT_EQ(registry.find("iso")->leases, 1);
    }
    launched[0]->alive_ = false;
    for (int i = 0; i < 100 && registry.find("iso")->state != ModelState::FAILED; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(registry.find("iso")->state, ModelState::FAILED);
    EXPECT_NE(registry.find("iso")->last_error.find("signal 6"), std::string::npos);
    EXPECT_TRUE(launched[0]->stopped_);
    EXPECT_EQ(registry.find("iso")->crashes, 1);
    EXPECT_TRUE(registry.find("iso")->isolated);
    // A restart backoff: 1 s after the first crash, 2 s after the second; an explicit load does not wait.
    auto waiting = registry.acquire_isolated("iso");
    ASSERT_FALSE(waiting);
    EXPECT_EQ(waiting.error().code, ErrorCode::MODEL_NOT_READY);
    EXPECT_NE(waiting.error().message.find("crashed 1 times in a row; it restarts in 1 s"), std::string::npos)
        << waiting.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ASSERT_TRUE(registry.acquire_isolated("iso"));
    EXPECT_EQ(launched.size(), 2u);
    launched[1]->alive_ = false;
    auto second = registry.acquire_isolated("iso");
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("crashed 2 times in a row; it restarts in 2 s"), std::string::npos)
        << second.error().message;
    ASSERT_TRUE(registry.load("iso"));
    EXPECT_EQ(launched.size(), 3u);
    ASSERT_TRUE(registry.unload("iso"));
    EXPECT_TRUE(launched[2]->stopped_);
    EXPECT_EQ(registry.find("iso")->state, ModelState::UNLOADED);
}

TEST(ModelRegistry, IsolationWithoutALauncherOrAFailingLaunchFailsTheLoad) {
    TempDir dir;
    core::LoadOptions options;
    options.isolate = true;
    RegistryConfig config = one_model(dir, options);
    {
        ModelRegistry registry(config);
        auto refused = registry.acquire_isolated("iso");
        ASSERT_FALSE(refused);
        EXPECT_NE(refused.error().message.find("cannot run models isolated"), std::string::npos);
    }
    config.launch_isolated = [](const CatalogEntry&, const core::LoadOptions&,
                                const LoadProgress&) -> Result<std::shared_ptr<IsolatedModel>> {
        return make_error(ErrorCode::INVALID_ARGUMENT, "tensor_split has 3 shares for 1 offload devices");
    };
    ModelRegistry registry(config);
    auto failed = registry.acquire_isolated("iso");
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::MODEL_NOT_READY);
    EXPECT_EQ(registry.find("iso")->state, ModelState::FAILED);
    EXPECT_EQ(registry.find("iso")->last_error, "tensor_split has 3 shares for 1 offload devices");
}

TEST(ModelState, Names) {
    EXPECT_EQ(to_string(ModelState::UNLOADED), "unloaded");
    EXPECT_EQ(to_string(ModelState::READY), "ready");
    EXPECT_EQ(to_string(ModelState::FAILED), "failed");
}

}  // namespace
}  // namespace hearth::registry

// ModelRegistry on the real stories260K model: configured and scanned entries, the lifecycle (load, lease,
// unload, reload with other options), LRU eviction under a small memory budget, refusal when busy models
// hold the budget, keep-alive, autoload off, broken files (corrupt, truncated, not GGUF) failing alone, and a
// slow load that never blocks requests to another model.

#include "registry/model_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "engine/backend.h"
#include "temp_dir.h"

namespace hearth::registry {
namespace {

using namespace std::chrono_literals;

std::string shared_models() {
    const char* env = std::getenv("HEARTH_MODELS");
    return env != nullptr && *env != '\0' ? env : HEARTH_TEST_MODELS;
}

const std::string F32 = shared_models() + "/stories260K/stories260K-f32.gguf";

core::ModelSpec spec(const std::string& name, const std::string& path) {
    core::ModelSpec s;
    s.name = name;
    s.path = path;
    s.options.n_threads = 1;
    s.options.n_ctx = 256;
    s.options.n_slots = 1;
    return s;
}

RegistryConfig config_of(std::vector<core::ModelSpec> specs) {
    RegistryConfig config;
    config.configured = std::move(specs);
    config.memory_budget = 0;
    return config;
}

ModelState state_of(const ModelRegistry& r, const std::string& id) {
    return r.find(id)->state;
}

class RegistryTest : public ::testing::Test {
protected:
    engine::BackendGuard backends_;
};

TEST_F(RegistryTest, LifecycleLeasesAndReload) {
    testing::TempDir dir;
    std::filesystem::copy_file(F32, dir.path() / "scanned.gguf");
    RegistryConfig config = config_of({spec("a", F32)});
    config.models_dir = dir.path().string();
    ModelRegistry registry(config);
    ASSERT_EQ(registry.list().size(), 2u);
    EXPECT_EQ(registry.find("a")->source, "config");
    EXPECT_EQ(registry.find("scanned")->source, "scan");
    EXPECT_EQ(state_of(registry, "a"), ModelState::UNLOADED);
    {
        auto lease = registry.acquire_text("a");
        ASSERT_TRUE(lease) << lease.error().message;
        const auto status = *registry.find("a");
        EXPECT_EQ(status.state, ModelState::READY);
        EXPECT_EQ(status.leases, 1);
        EXPECT_GT(status.memory_bytes, status.entry.info.size_bytes);
        EXPECT_GT(status.loaded_at_unix, 0);
        EXPECT_FLOAT_EQ(status.load_progress, 1.0f);
    }
    EXPECT_EQ(registry.find("a")->leases, 0);
    const int64_t loaded_at = registry.find("a")->loaded_at_unix;
    auto again = registry.load("a");  // already loaded with these options: no reload
    ASSERT_TRUE(again);
    EXPECT_EQ(again->load_ms, registry.find("a")->load_ms);

    core::LoadOptions smaller;
    smaller.n_ctx = 128;
    auto reloaded = registry.load("a", smaller);
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_EQ(reloaded->options.n_ctx, 128);
    EXPECT_GE(reloaded->loaded_at_unix, loaded_at);

    auto unloaded = registry.unload("a");
    ASSERT_TRUE(unloaded);
    EXPECT_EQ(unloaded->state, ModelState::UNLOADED);
    EXPECT_EQ(unloaded->memory_bytes, 0u);
    EXPECT_EQ(registry.unload("nope").error().code, ErrorCode::MODEL_NOT_FOUND);
    EXPECT_EQ(registry.load("nope").error().code, ErrorCode::MODEL_NOT_FOUND);
    core::LoadOptions bad;
    bad.type_k = "q8_0";
    bad.type_v = "q8_0";
    bad.flash_attn = "off";  // llama.cpp refuses a quantized V cache without flash attention
    auto refused = registry.load("a", bad);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::INVALID_ARGUMENT);
}

// An unload waits for the requests holding the model, at most unload_grace; meanwhile the model shows as
// unloading and a new request waits for the unload, then loads the model again.
TEST_F(RegistryTest, UnloadLetsRunningRequestsFinishWithinTheGrace) {
    RegistryConfig config = config_of({spec("a", F32)});
    config.unload_grace = 10s;
    ModelRegistry registry(config);
    auto lease = registry.acquire_text("a");
    ASSERT_TRUE(lease) << lease.error().message;
    const auto start = std::chrono::steady_clock::now();
    auto unloading = std::async(std::launch::async, [&] { return registry.unload("a"); });
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(unloading.wait_for(0ms), std::future_status::timeout) << "the unload did not wait for the request";
    EXPECT_EQ(state_of(registry, "a"), ModelState::UNLOADING);
    auto arriving = std::async(std::launch::async, [&] { return registry.acquire_text("a"); });
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(arriving.wait_for(0ms), std::future_status::timeout) << "a new request took the unloading model";
    lease->reset();  // the running request ends
    auto unloaded = unloading.get();
    ASSERT_TRUE(unloaded) << unloaded.error().message;
    EXPECT_EQ(unloaded->state, ModelState::UNLOADED);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    auto reloaded = arriving.get();
    ASSERT_TRUE(reloaded) << reloaded.error().message;
    EXPECT_EQ(state_of(registry, "a"), ModelState::READY);
}

TEST_F(RegistryTest, UnloadStopsWhatRunsPastTheGrace) {
    RegistryConfig config = config_of({spec("a", F32)});
    config.unload_grace = 300ms;
    ModelRegistry registry(config);
    auto lease = registry.acquire_text("a");
    ASSERT_TRUE(lease) << lease.error().message;
    const auto start = std::chrono::steady_clock::now();
    auto unloaded = registry.unload("a");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(unloaded);
    EXPECT_EQ(unloaded->state, ModelState::UNLOADED);
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 3s);
}

TEST_F(RegistryTest, EvictsTheLeastRecentlyUsedIdleModelOrRefuses) {
    uint64_t need = 0;
    {
        ModelRegistry probe(config_of({spec("a", F32)}));
        need = probe.load("a")->memory_bytes;
    }
    RegistryConfig config = config_of({spec("a", F32), spec("b", F32), spec("c", F32)});
    config.memory_budget = need * 2 + need / 2;  // room for two
    ModelRegistry registry(config);
    ASSERT_TRUE(registry.load("a"));
    ASSERT_TRUE(registry.load("b"));
    std::this_thread::sleep_for(10ms);        // the clock is in milliseconds
    ASSERT_TRUE(registry.acquire_text("a"));  // a is now used more recently than b
    ASSERT_TRUE(registry.load("c"));
    EXPECT_EQ(state_of(registry, "b"), ModelState::UNLOADED);
    EXPECT_EQ(state_of(registry, "a"), ModelState::READY);
    EXPECT_EQ(state_of(registry, "c"), ModelState::READY);

    auto hold_a = registry.acquire_text("a");
    auto hold_c = registry.acquire_text("c");
    auto refused = registry.acquire_text("b");  // both residents are busy
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::OUT_OF_MEMORY);
    EXPECT_NE(refused.error().message.find("budget"), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("a (busy)"), std::string::npos) << refused.error().message;
    EXPECT_EQ(state_of(registry, "b"), ModelState::UNLOADED);
}

// A text model's prompt cache is host memory, whatever the model offloads: by default as large as its KV
// cache, or the size asked for, or none.
TEST_F(RegistryTest, ThePromptCacheIsHostMemory) {
    RegistryConfig config = config_of({spec("a", F32)});
    config.devices = {{"CPU", "host", "cpu", 1ULL << 34, 1ULL << 34}, {"CUDA0", "fake", "gpu", 1ULL << 30, 1ULL << 30}};
    const auto host_part = [&config](int64_t prompt_cache_mib) {
        config.text_defaults.prompt_cache_mib = prompt_cache_mib;
        ModelRegistry registry(config);
        const auto a = registry.load("a");
        EXPECT_TRUE(a) << a.error().message;
        return a ? a->memory_bytes - a->vram_bytes : 0;  // every layer is offloaded: the rest is the cache
    };
    EXPECT_EQ(host_part(0), 0u);
    EXPECT_EQ(host_part(3), 3u << 20);
    const uint64_t automatic = host_part(-1);
    EXPECT_GT(automatic, 0u);
    EXPECT_LT(automatic, 1u << 20);  // stories260K's KV cache: 512 positions x 5 layers x 64 f16 values
}

// With a GPU among the devices, offloaded layers count against the GPU budget, not the RAM budget. This build
// runs on the CPU whatever the list says; the accounting is what is under test.
TEST_F(RegistryTest, GpuBudgetCountsOffloadedLayersOnly) {
    RegistryConfig config = config_of({spec("a", F32), spec("b", F32), spec("cpu", F32), spec("half", F32)});
    config.devices = {{"CPU", "host", "cpu", 1ULL << 34, 1ULL << 34}, {"CUDA0", "fake", "gpu", 1ULL << 30, 1ULL << 30}};
    config.configured[2].options.n_gpu_layers = 0;
    config.configured[3].options.n_gpu_layers = 2;  // stories260K has 5 layers
    config.text_defaults.prompt_cache_mib = 0;      // host memory (ThePromptCacheIsHostMemory)
    uint64_t need = 0;
    {
        ModelRegistry probe(config);
        EXPECT_EQ(probe.vram_budget(), (1ULL << 30) / 10 * 9);  // auto: 90% of the free GPU memory
        const auto a = probe.load("a");
        ASSERT_TRUE(a) << a.error().message;
        EXPECT_EQ(a->vram_bytes, a->memory_bytes);  // every layer offloaded by default
        need = a->memory_bytes;
        const auto half = probe.load("half");
        ASSERT_TRUE(half) << half.error().message;
        EXPECT_GT(half->vram_bytes, 0u);
        EXPECT_LT(half->vram_bytes, half->memory_bytes);
    }
    config.vram_budget = need + need / 2;  // room for one model on the GPU
    config.memory_budget = need * 10;
    ModelRegistry registry(config);
    ASSERT_TRUE(registry.load("cpu"));
    EXPECT_EQ(registry.find("cpu")->vram_bytes, 0u);
    ASSERT_TRUE(registry.load("a"));
    ASSERT_TRUE(registry.load("b"));  // the GPU is full: a goes, the CPU-only model (older) stays
    EXPECT_EQ(state_of(registry, "a"), ModelState::UNLOADED);
    EXPECT_EQ(state_of(registry, "cpu"), ModelState::READY);
    EXPECT_EQ(state_of(registry, "b"), ModelState::READY);

    auto hold = registry.acquire_text("b");
    core::LoadOptions every_layer;
    every_layer.n_gpu_layers = -1;  // explicit: all or nothing (unset would fit what it can, below)
    auto refused = registry.load("a", every_layer);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::OUT_OF_MEMORY);
    EXPECT_NE(refused.error().message.find("GPU memory budget"), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("b (busy)"), std::string::npos) << refused.error().message;

    core::LoadOptions on_cpu;
    on_cpu.device = "CPU";  // a CPU device: nothing is offloaded, so it fits beside b
    const auto moved = registry.load("a", on_cpu);
    ASSERT_TRUE(moved) << moved.error().message;
    EXPECT_EQ(moved->vram_bytes, 0u);
}

// n_gpu_layers left unset: the layers that fit beside a busy model go to the GPU, the rest stay on the CPU.
TEST_F(RegistryTest, UnsetGpuLayersFitTheGpuBudget) {
    RegistryConfig config = config_of({spec("a", F32), spec("b", F32)});
    config.devices = {{"CPU", "host", "cpu", 1ULL << 34, 1ULL << 34}, {"CUDA0", "fake", "gpu", 1ULL << 30, 1ULL << 30}};
    config.text_defaults.prompt_cache_mib = 0;
    uint64_t need = 0;
    {
        ModelRegistry probe(config);
        const auto a = probe.load("a");
        ASSERT_TRUE(a) << a.error().message;
        need = a->vram_bytes;
        ASSERT_EQ(need, a->memory_bytes);  // every layer when nothing else is loaded
    }
    config.vram_budget = 2 * need - 1;  // b in full, and all of a but a sliver
    ModelRegistry registry(config);
    ASSERT_TRUE(registry.load("b"));
    auto hold = registry.acquire_text("b");
    const auto fitted = registry.load("a");
    ASSERT_TRUE(fitted) << fitted.error().message;
    EXPECT_GT(fitted->vram_bytes, 0u);
    EXPECT_LT(fitted->vram_bytes, fitted->memory_bytes);
    EXPECT_LE(fitted->vram_bytes + need, 2 * need - 1);
    EXPECT_FALSE(fitted->options.n_gpu_layers);  // the configured options stay as they were: auto
    // Generation works with the split model.
    auto text = registry.acquire_text("a");
    ASSERT_TRUE(text) << text.error().message;

    config.vram_budget = need / 1000;  // not even one layer's compute buffer: the model runs on the CPU
    ModelRegistry tight(config);
    const auto cpu = tight.load("a");
    ASSERT_TRUE(cpu) << cpu.error().message;
    EXPECT_EQ(cpu->vram_bytes, 0u);
}

TEST_F(RegistryTest, KeepAliveUnloadsIdleModels) {
    auto s = spec("a", F32);
    s.options.keep_alive_s = 0;
    ModelRegistry registry(config_of({s, spec("forever", F32)}));
    ASSERT_TRUE(registry.acquire_text("a"));
    ASSERT_TRUE(registry.acquire_text("forever"));
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (state_of(registry, "a") != ModelState::UNLOADED && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(50ms);
    }
    EXPECT_EQ(state_of(registry, "a"), ModelState::UNLOADED);
    EXPECT_EQ(state_of(registry, "forever"), ModelState::READY);  // the server default: never
}

TEST_F(RegistryTest, AutoloadOffNeedsAnExplicitLoad) {
    RegistryConfig config = config_of({spec("a", F32)});
    config.autoload = false;
    ModelRegistry registry(config);
    auto refused = registry.acquire_text("a");
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::MODEL_NOT_READY);
    EXPECT_NE(refused.error().message.find("/load"), std::string::npos);
    ASSERT_TRUE(registry.load("a"));
    EXPECT_TRUE(registry.acquire_text("a"));
}

TEST_F(RegistryTest, BrokenFilesFailAloneWithTheirReason) {
    testing::TempDir dir;
    std::ifstream in(F32, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    const std::string truncated = dir.write("truncated.gguf", bytes.substr(0, bytes.size() / 2));
    const std::string corrupt = dir.write("corrupt.gguf", "GGUF" + std::string(64, '\xff'));
    const std::string text = dir.write("text.gguf", "just some words\n");
    ModelRegistry registry(config_of({spec("truncated", truncated), spec("corrupt", corrupt), spec("text", text),
                                      spec("missing", (dir.path() / "gone.gguf").string()), spec("good", F32)}));
    for (const char* id : {"truncated", "corrupt", "text", "missing"}) {
        const auto status = *registry.find(id);
        EXPECT_EQ(status.state, ModelState::FAILED) << id;
        EXPECT_FALSE(status.last_error.empty()) << id;
        auto refused = registry.acquire_text(id);
        ASSERT_FALSE(refused) << id;
        EXPECT_EQ(refused.error().code, ErrorCode::MODEL_NOT_READY) << id;
    }
    EXPECT_NE(registry.find("truncated")->last_error.find("truncated"), std::string::npos);
    EXPECT_TRUE(registry.acquire_text("good"));
}

TEST_F(RegistryTest, SlowLoadNeverBlocksAnotherModel) {
    std::atomic<int> loads{0};
    RegistryConfig config = config_of({spec("slow", F32), spec("fast", F32)});
    config.before_load = [&loads](const std::string& id) {
        if (id == "slow") {
            ++loads;
            std::this_thread::sleep_for(1500ms);
        }
    };
    ModelRegistry registry(config);
    ASSERT_TRUE(registry.load("fast"));
    auto first = std::async(std::launch::async, [&] { return registry.acquire_text("slow").has_value(); });
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(state_of(registry, "slow"), ModelState::LOADING);
    auto second = std::async(std::launch::async, [&] { return registry.acquire_text("slow").has_value(); });
    const auto start = std::chrono::steady_clock::now();
    ASSERT_TRUE(registry.acquire_text("fast"));
    ASSERT_TRUE(registry.unload("fast"));
    ASSERT_TRUE(registry.load("fast"));
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);  // well before the slow load ends
    EXPECT_TRUE(first.get());
    EXPECT_TRUE(second.get());
    EXPECT_EQ(loads.load(), 1);  // the second caller waited for the first load
}

}  // namespace
}  // namespace hearth::registry

// The memory estimate and the choice of models to unload when a new one does not fit.

#include "registry/memory_budget.h"

#include <gtest/gtest.h>

namespace hearth::registry {
namespace {

// qwen2.5-0.5b's attention shape (24 layers, 14 heads, 2 KV heads of 64) and a 500 MiB file.
core::ModelFileInfo qwen_05b_shape() {
    core::ModelFileInfo info;
    info.size_bytes = 500ULL << 20;
    info.block_count = 24;
    info.embedding_length = 896;
    info.head_count = 14;
    info.head_count_kv = 2;
    return info;
}

TEST(MemoryBudget, EstimateCountsWeightsKvAndCompute) {
    core::ModelFileInfo info = qwen_05b_shape();
    const MemoryNeed need = estimate_memory(info, {4 * 4096, 512, "f16", "f16"});
    EXPECT_EQ(need.weights, 500ULL << 20);
    // 24 layers x 16384 cells x (64 x 2 for K + 64 x 2 for V) x 2 bytes
    EXPECT_EQ(need.kv_cache, 24ULL * 16384 * 256 * 2);
    EXPECT_GT(need.compute, 64ULL << 20);
    const MemoryNeed q8 = estimate_memory(info, {4 * 4096, 512, "q8_0", "q8_0"});
    EXPECT_LT(q8.kv_cache, need.kv_cache * 6 / 10);  // 34/32 bytes per element instead of 2

    core::ModelFileInfo unknown;
    unknown.size_bytes = 1000;
    EXPECT_GT(estimate_memory(unknown, {}).total(), 1000u);
}

TEST(MemoryBudget, TextModelsReserveLogitsForABatch) {
    core::ModelFileInfo info = qwen_05b_shape();
    const MemoryNeed without = estimate_memory(info, {4096, 512, "f16", "f16"});
    info.vocab_size = 151936;
    const MemoryNeed llm = estimate_memory(info, {4096, 512, "f16", "f16"});
    EXPECT_EQ(llm.compute - without.compute, 512ULL * 151936 * 4);  // f32 logits of every token of a batch
    info.kind = core::ModelKind::EMBEDDING;                         // pools hidden states: no logits
    EXPECT_EQ(estimate_memory(info, {4096, 512, "f16", "f16"}).compute, without.compute);
}

TEST(MemoryBudget, OffloadedLayersGoToTheGpu) {
    core::ModelFileInfo info;
    info.size_bytes = 900ULL << 20;
    info.block_count = 8;
    info.embedding_length = 1024;
    info.head_count = 16;
    info.head_count_kv = 4;
    ContextShape shape{2 * 1024, 512, "f16", "f16"};
    const MemoryNeed cpu = estimate_memory(info, shape);
    EXPECT_EQ(cpu.vram, 0u);
    EXPECT_EQ(cpu.split().ram, cpu.total());

    shape.n_gpu_layers = 4;  // half the repeating layers: 4 of 9 weight shares, half the KV, the compute
    const MemoryNeed half = estimate_memory(info, shape);
    EXPECT_EQ(half.total(), cpu.total());  // the same bytes, split differently
    EXPECT_EQ(half.vram, half.weights * 4 / 9 + half.kv_cache / 2 + half.compute);
    EXPECT_EQ(half.split().ram + half.split().vram, half.total());

    for (const int64_t all : {int64_t{-1}, int64_t{9}, int64_t{99}}) {
        shape.n_gpu_layers = all;
        EXPECT_EQ(estimate_memory(info, shape).vram, cpu.total()) << all;
    }
    shape.n_gpu_layers = 8;  // every repeating layer, not the output layer: one weight share stays
    const MemoryNeed repeating = estimate_memory(info, shape);
    EXPECT_EQ(repeating.split().ram, repeating.weights - repeating.weights * 8 / 9);

    core::ModelFileInfo unknown;  // no attention shape (whisper): any offload is all of it
    unknown.size_bytes = 1000;
    EXPECT_EQ(estimate_memory(unknown, {0, 512, "f16", "f16", -1}).split().ram, 0u);
}

TEST(MemoryBudget, FitsWithoutEvicting) {
    auto victims = pick_evictions({{"a", {100, 0}, 1, true}}, {50, 0}, {200, 0});
    ASSERT_TRUE(victims);
    EXPECT_TRUE(victims->empty());
    EXPECT_TRUE(pick_evictions({{"a", {100, 0}, 1, false}}, {1000, 1000}, {0, 0})->empty());    // no budgets
    EXPECT_TRUE(pick_evictions({{"a", {100, 900}, 1, false}}, {50, 5000}, {200, 0})->empty());  // GPU unbounded
}

TEST(MemoryBudget, EvictsLeastRecentlyUsedIdleFirst) {
    const std::vector<ResidentModel> resident = {{"new", {100, 0}, 30, true},
                                                 {"old", {100, 0}, 10, true},
                                                 {"busy", {100, 0}, 5, false},
                                                 {"mid", {100, 0}, 20, true}};
    auto victims = pick_evictions(resident, {150, 0}, {400, 0});  // 400 used: 150 must come free, so two go
    ASSERT_TRUE(victims);
    EXPECT_EQ(*victims, (std::vector<std::string>{"old", "mid"}));
}

TEST(MemoryBudget, GpuRoomComesFromModelsOnTheGpu) {
    // RAM has room; the GPU does not. The oldest model runs on the CPU only: unloading it frees no GPU
    // memory, so it stays, and the older of the two GPU models goes.
    const std::vector<ResidentModel> resident = {
        {"cpu-only", {500, 0}, 1, true}, {"gpu-old", {50, 600}, 2, true}, {"gpu-new", {50, 600}, 3, true}};
    auto victims = pick_evictions(resident, {10, 500}, {10000, 1500});
    ASSERT_TRUE(victims);
    EXPECT_EQ(*victims, (std::vector<std::string>{"gpu-old"}));

    // Both pools short: RAM needs cpu-only gone, the GPU needs gpu-old gone.
    victims = pick_evictions(resident, {500, 500}, {1000, 1500});
    ASSERT_TRUE(victims);
    EXPECT_EQ(*victims, (std::vector<std::string>{"cpu-only", "gpu-old"}));

    // Larger than the GPU budget itself, however much RAM there is.
    EXPECT_FALSE(pick_evictions(resident, {0, 1600}, {0, 1500}));
    // The GPU models are busy: nothing idle frees GPU memory.
    EXPECT_FALSE(
        pick_evictions({{"cpu-only", {500, 0}, 1, true}, {"gpu", {50, 1200}, 2, false}}, {0, 500}, {10000, 1500}));
}

TEST(MemoryBudget, DefaultGpuBudgetSumsDiscreteGpus) {
    std::vector<engine::BackendDevice> devices = {{"CPU", "cpu", "cpu", 64ULL << 30, 64ULL << 30},
                                                  {"Vulkan0", "igpu", "igpu", 8ULL << 30, 8ULL << 30}};
    EXPECT_EQ(default_vram_budget(devices), 0u);  // RAM only: the integrated GPU shares it
    devices.push_back({"CUDA0", "h100", "gpu", 10ULL << 30, 80ULL << 30});
    devices.push_back({"CUDA1", "h100", "gpu", 20ULL << 30, 80ULL << 30});
    EXPECT_EQ(default_vram_budget(devices), (30ULL << 30) / 10 * 9);  // 90% of what is free
}

TEST(MemoryBudget, RefusesWhenBusyModelsHoldTooMuch) {
    EXPECT_FALSE(pick_evictions({{"busy", {300, 0}, 1, false}, {"idle", {50, 0}, 2, true}}, {200, 0}, {400, 0}));
    EXPECT_FALSE(pick_evictions({}, {500, 0}, {400, 0}));  // larger than the budget itself
}

TEST(MemoryBudget, FormatsBytes) {
    EXPECT_EQ(format_bytes(3ULL << 30), "3.0 GiB");
    EXPECT_EQ(format_bytes(300ULL << 20), "300.0 MiB");
}

}  // namespace
}  // namespace hearth::registry

// The memory estimate and the choice of models to unload when a new one does not fit.

#include "registry/memory_budget.h"

#include <gtest/gtest.h>

namespace hearth::registry {
namespace {

TEST(MemoryBudget, EstimateCountsWeightsKvAndCompute) {
    core::ModelFileInfo info;
    info.size_bytes = 500ULL << 20;
    info.block_count = 24;
    info.embedding_length = 896;
    info.head_count = 14;
    info.head_count_kv = 2;
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

TEST(MemoryBudget, FitsWithoutEvicting) {
    auto victims = pick_evictions({{"a", 100, 1, true}}, 50, 200);
    ASSERT_TRUE(victims);
    EXPECT_TRUE(victims->empty());
    EXPECT_TRUE(pick_evictions({{"a", 100, 1, false}}, 1000, 0)->empty());  // no budget
}

TEST(MemoryBudget, EvictsLeastRecentlyUsedIdleFirst) {
    const std::vector<ResidentModel> resident = {
        {"new", 100, 30, true}, {"old", 100, 10, true}, {"busy", 100, 5, false}, {"mid", 100, 20, true}};
    auto victims = pick_evictions(resident, 150, 400);  // 400 used: 150 must come free, so two go
    ASSERT_TRUE(victims);
    EXPECT_EQ(*victims, (std::vector<std::string>{"old", "mid"}));
}

TEST(MemoryBudget, RefusesWhenBusyModelsHoldTooMuch) {
    EXPECT_FALSE(pick_evictions({{"busy", 300, 1, false}, {"idle", 50, 2, true}}, 200, 400));
    EXPECT_FALSE(pick_evictions({}, 500, 400));  // larger than the budget itself
}

TEST(MemoryBudget, FormatsBytes) {
    EXPECT_EQ(format_bytes(3ULL << 30), "3.0 GiB");
    EXPECT_EQ(format_bytes(300ULL << 20), "300.0 MiB");
}

}  // namespace
}  // namespace hearth::registry

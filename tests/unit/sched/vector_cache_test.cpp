// The shared LRU vector cache: keys, hits and misses, eviction order, and capacity 0 turning it off.

#include "sched/vector_cache.h"

#include <gtest/gtest.h>

namespace hearth::sched {
namespace {

const std::vector<int32_t> A = {1, 2, 3};
const std::vector<int32_t> B = {1, 2, 4};

TEST(VectorCache, KeysDifferByScopeAndTokens) {
    EXPECT_NE(VectorCache::key("m1", A), VectorCache::key("m2", A));
    EXPECT_NE(VectorCache::key("m1", A), VectorCache::key("m1", B));
    EXPECT_EQ(VectorCache::key("m1", A), VectorCache::key("m1", std::vector<int32_t>{1, 2, 3}));
}

TEST(VectorCache, CountsHitsAndMisses) {
    VectorCache cache(4);
    const std::string key = VectorCache::key("m", A);
    EXPECT_FALSE(cache.get(key));
    cache.put(key, {0.5f, 1.5f});
    auto hit = cache.get(key);
    ASSERT_TRUE(hit);
    EXPECT_EQ(*hit, (std::vector<float>{0.5f, 1.5f}));
    const VectorCacheStats stats = cache.stats();
    EXPECT_EQ(stats.hits, 1u);
    EXPECT_EQ(stats.misses, 1u);
    EXPECT_EQ(stats.entries, 1u);
    EXPECT_EQ(stats.capacity, 4u);
}

TEST(VectorCache, EvictsTheLeastRecentlyUsed) {
    VectorCache cache(2);
    cache.put("a", {1.0f});
    cache.put("b", {2.0f});
    ASSERT_TRUE(cache.get("a"));  // a is now the most recent
    cache.put("c", {3.0f});       // evicts b
    EXPECT_TRUE(cache.get("a"));
    EXPECT_FALSE(cache.get("b"));
    EXPECT_TRUE(cache.get("c"));
    EXPECT_EQ(cache.stats().entries, 2u);
    cache.put("a", {9.0f});  // a refresh replaces the value without growing
    EXPECT_EQ(cache.get("a").value(), std::vector<float>{9.0f});
    EXPECT_EQ(cache.stats().entries, 2u);
}

TEST(VectorCache, CapacityZeroStoresAndCountsNothing) {
    VectorCache cache(0);
    EXPECT_FALSE(cache.enabled());
    cache.put("a", {1.0f});
    EXPECT_FALSE(cache.get("a"));
    const VectorCacheStats stats = cache.stats();
    EXPECT_EQ(stats.entries, 0u);
    EXPECT_EQ(stats.hits + stats.misses, 0u);
}

}  // namespace
}  // namespace hearth::sched

// The host prompt cache on its own: what it keeps, what it finds, what it lets go.

#include "sched/prompt_cache.h"

#include <gtest/gtest.h>

#include <numeric>

namespace hearth::sched {
namespace {

std::vector<int32_t> range(int32_t first, int32_t n) {
    std::vector<int32_t> out(static_cast<size_t>(n));
    std::iota(out.begin(), out.end(), first);
    return out;
}

std::vector<int32_t> concat(std::vector<int32_t> a, const std::vector<int32_t>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

std::vector<uint8_t> bytes(size_t n, uint8_t fill) {
    return std::vector<uint8_t>(n, fill);
}

TEST(PromptCache, FindsTheEntrySharingTheLongestPrefix) {
    PromptCache cache(1000);
    cache.save(range(0, 10), bytes(10, 1));
    cache.save(concat(range(0, 4), range(50, 10)), bytes(10, 2));
    const std::vector<int32_t> prompt = concat(range(0, 10), {77});
    const PromptCacheEntry* found = cache.best(prompt, 0);
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->tokens, range(0, 10));
    EXPECT_EQ(found->state, bytes(10, 1));
    // The prefix must be longer than what the caller already has.
    EXPECT_EQ(cache.best(prompt, 10), nullptr);
    EXPECT_NE(cache.best(prompt, 9), nullptr);
    EXPECT_EQ(cache.best(range(100, 5), 0), nullptr);
    // Counted within the prompt: an entry longer than the prompt shares at most the prompt.
    EXPECT_EQ(cache.best(range(0, 6), 6), nullptr);
    EXPECT_EQ(cache.stats().entries, 2u);
    EXPECT_EQ(cache.stats().bytes, 20u);
    EXPECT_EQ(cache.stats().saved, 2u);
}

TEST(PromptCache, KeepsNothingTwiceAndDropsWhatALongerCopyHolds) {
    PromptCache cache(1000);
    cache.save(range(0, 10), bytes(10, 1));
    EXPECT_FALSE(cache.worth_saving(range(0, 10)));
    EXPECT_FALSE(cache.worth_saving(range(0, 4)));  // a prefix of a kept conversation
    EXPECT_TRUE(cache.worth_saving(range(0, 11)));
    EXPECT_FALSE(cache.worth_saving({}));
    cache.save(range(0, 4), bytes(4, 9));  // held already: ignored
    EXPECT_EQ(cache.stats().entries, 1u);
    cache.save(range(0, 12), bytes(12, 3));  // the next turn of the same conversation replaces it
    EXPECT_EQ(cache.stats().entries, 1u);
    EXPECT_EQ(cache.stats().bytes, 12u);
    EXPECT_EQ(cache.best(range(0, 12), 0)->state, bytes(12, 3));
}

TEST(PromptCache, LeastRecentlyUsedGoFirstWithinTheBudget) {
    PromptCache cache(30);
    cache.save(range(0, 5), bytes(10, 1));
    cache.save(range(100, 5), bytes(10, 2));
    cache.save(range(200, 5), bytes(10, 3));
    ASSERT_NE(cache.best(range(0, 5), 0), nullptr);  // now the most recently used
    cache.save(range(300, 5), bytes(10, 4));         // over 30 bytes: range(100) goes
    EXPECT_EQ(cache.stats().entries, 3u);
    EXPECT_EQ(cache.stats().bytes, 30u);
    EXPECT_EQ(cache.best(range(100, 5), 0), nullptr);
    EXPECT_NE(cache.best(range(0, 5), 0), nullptr);
    EXPECT_NE(cache.best(range(200, 5), 0), nullptr);
    EXPECT_NE(cache.best(range(300, 5), 0), nullptr);
    cache.save(range(400, 5), bytes(31, 5));  // over the whole budget: never kept, nothing evicted for it
    EXPECT_EQ(cache.best(range(400, 5), 0), nullptr);
    EXPECT_EQ(cache.stats().entries, 3u);
}

TEST(PromptCache, ZeroBytesIsOff) {
    PromptCache cache(0);
    EXPECT_FALSE(cache.enabled());
    EXPECT_FALSE(cache.worth_saving(range(0, 5)));
    cache.save(range(0, 5), bytes(1, 1));
    EXPECT_EQ(cache.best(range(0, 5), 0), nullptr);
    EXPECT_EQ(cache.stats().saved, 0u);
}

TEST(PromptCache, CommonPrefix) {
    EXPECT_EQ(common_prefix(range(0, 5), range(0, 3)), 3u);
    EXPECT_EQ(common_prefix(range(0, 5), range(1, 3)), 0u);
    EXPECT_EQ(common_prefix({}, range(0, 3)), 0u);
    EXPECT_EQ(common_prefix(range(0, 4), range(0, 4)), 4u);
}

}  // namespace
}  // namespace hearth::sched

// SamplingPool: every item once per run, on the workers and the caller, run after run.

#include "engine/sampling_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace hearth::engine {
namespace {

TEST(SamplingPool, EveryItemRunsOnceRunAfterRun) {
    SamplingPool pool(3);
    for (size_t n : {0u, 1u, 2u, 7u, 64u, 1000u}) {
        std::vector<std::atomic<int>> seen(n);
        pool.run(n, [&seen](size_t i) { seen[i]++; });
        for (size_t i = 0; i < n; ++i) {
            EXPECT_EQ(seen[i].load(), 1) << "item " << i << " of " << n;
        }
    }
}

TEST(SamplingPool, WorkersShareTheItems) {
    SamplingPool pool(2);
    std::mutex mutex;
    std::set<std::thread::id> threads;
    pool.run(16, [&](size_t) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // long enough for every thread to take some
        std::lock_guard lock(mutex);
        threads.insert(std::this_thread::get_id());
    });
    EXPECT_GE(threads.size(), 2u);
}

TEST(SamplingPool, WithoutWorkersTheCallerDoesEverything) {
    SamplingPool pool(0);
    std::vector<std::thread::id> threads;
    pool.run(5, [&threads](size_t) { threads.push_back(std::this_thread::get_id()); });
    ASSERT_EQ(threads.size(), 5u);
    for (const auto& id : threads) {
        EXPECT_EQ(id, std::this_thread::get_id());
    }
}

}  // namespace
}  // namespace hearth::engine

#include "server/response_store.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace hearth::server {
namespace {

using namespace std::chrono_literals;

TEST(ResponseStore, PutGetEraseAndUnknownIds) {
    ResponseStore store;
    store.put("a", {"body-a", "[]"});
    auto got = store.get("a");
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->body, "body-a");
    EXPECT_EQ(got->conversation, "[]");
    EXPECT_FALSE(store.get("b").has_value());
    EXPECT_TRUE(store.erase("a"));
    EXPECT_FALSE(store.erase("a"));
    EXPECT_FALSE(store.get("a").has_value());
    EXPECT_EQ(store.size(), 0u);
}

TEST(ResponseStore, OldestGoesFirstBeyondTheLimit) {
    ResponseStore store({3, 3600s});
    for (const char* id : {"a", "b", "c", "d"}) {
        store.put(id, {id, "[]"});
    }
    EXPECT_EQ(store.size(), 3u);
    EXPECT_FALSE(store.get("a").has_value());
    EXPECT_TRUE(store.get("b").has_value());
    EXPECT_TRUE(store.get("d").has_value());
    // An erased entry frees its place at once.
    EXPECT_TRUE(store.erase("c"));
    store.put("e", {"e", "[]"});
    EXPECT_TRUE(store.get("b").has_value());
    EXPECT_EQ(store.size(), 3u);
}

TEST(ResponseStore, EntriesExpireAfterTheTtl) {
    ResponseStore store({10, 60s});
    const auto t0 = ResponseStore::Clock::now();
    store.put("a", {"a", "[]"}, t0);
    store.put("b", {"b", "[]"}, t0 + 30s);
    EXPECT_TRUE(store.get("a", t0 + 59s).has_value());
    EXPECT_FALSE(store.get("a", t0 + 60s).has_value());
    EXPECT_TRUE(store.get("b", t0 + 60s).has_value());
    EXPECT_FALSE(store.erase("b", t0 + 91s));
    EXPECT_EQ(store.size(), 0u);
}

TEST(ResponseStore, SizeZeroKeepsNothing) {
    ResponseStore store({0, 60s});
    store.put("a", {"a", "[]"});
    EXPECT_FALSE(store.get("a").has_value());
    EXPECT_EQ(store.size(), 0u);
}

TEST(ResponseStore, ConcurrentUseStaysWithinTheLimit) {
    ResponseStore store({50, 3600s});
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&store, t] {
            for (int i = 0; i < 500; ++i) {
                const std::string id = std::to_string(t) + "-" + std::to_string(i);
                store.put(id, {id, "[]"});
                store.get(id);
                if (i % 3 == 0) {
                    store.erase(id);
                }
            }
        });
    }
    for (std::thread& thread : threads) {
        thread.join();
    }
    EXPECT_LE(store.size(), 50u);
}

}  // namespace
}  // namespace hearth::server

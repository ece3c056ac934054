#include "util/channel.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>
#include <vector>

#include "util/cancel_token.h"

namespace hearth {
namespace {

using namespace std::chrono_literals;

TEST(Channel, FifoAndBounded) {
    Channel<int> ch(2);
    EXPECT_EQ(ch.push(1), PushResult::OK);
    EXPECT_EQ(ch.push(2), PushResult::OK);
    EXPECT_EQ(ch.push(3), PushResult::FULL);  // refused, never blocks
    std::optional<int> v;
    ASSERT_EQ(ch.pop(v, 0ms), PopStatus::OK);
    EXPECT_EQ(*v, 1);
    EXPECT_EQ(ch.try_pop(), 2);
    EXPECT_FALSE(ch.try_pop().has_value());
    EXPECT_EQ(ch.pop(v, 10ms), PopStatus::TIMEOUT);
}

TEST(Channel, CloseDrainsThenReportsClosed) {
    Channel<std::unique_ptr<int>> ch(4);
    ASSERT_EQ(ch.push(std::make_unique<int>(5)), PushResult::OK);
    ch.close();
    EXPECT_EQ(ch.push(std::make_unique<int>(6)), PushResult::CLOSED);
    std::optional<std::unique_ptr<int>> v;
    ASSERT_EQ(ch.pop(v, 0ms), PopStatus::OK);
    EXPECT_EQ(**v, 5);
    EXPECT_EQ(ch.pop(v, 1s), PopStatus::CLOSED);  // returns at once, not after the timeout
}

TEST(Channel, WakesABlockedConsumer) {
    Channel<int> ch(8);
    std::thread producer([&] {
        std::this_thread::sleep_for(20ms);
        for (int i = 0; i < 100; ++i) {
            while (ch.push(i) == PushResult::FULL) {
                std::this_thread::yield();
            }
        }
        ch.close();
    });
    std::vector<int> got;
    std::optional<int> v;
    while (ch.pop(v, 5s) == PopStatus::OK) {
        got.push_back(*v);
    }
    producer.join();
    ASSERT_EQ(got.size(), 100u);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(got[static_cast<size_t>(i)], i);
    }
}

TEST(CancelToken, CopiesShareTheFlag) {
    CancelToken a;
    CancelToken b = a;
    EXPECT_FALSE(b.is_cancelled());
    a.cancel();
    EXPECT_TRUE(b.is_cancelled());
    EXPECT_FALSE(CancelToken().is_cancelled());
}

}  // namespace
}  // namespace hearth

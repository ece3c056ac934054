// WorkPool: jobs run on its workers and their results come back; the waiting bound answers OVERLOADED; a
// caller that gives up while its job waits gets CANCELLED and the job never runs; stop() fails queued jobs.

#include "sched/work_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace hearth::sched {
namespace {

using namespace std::chrono_literals;

// A job that holds the worker until released.
struct Gate {
    std::promise<void> open;
    std::shared_future<void> opened = open.get_future().share();
    std::atomic<bool> entered{false};
    WorkPool::Job job() {
        return [this]() -> Result<void> {
            entered = true;
            opened.wait();
            return {};
        };
    }
};

void wait_for(const std::function<bool()>& condition) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!condition() && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(1ms);
    }
    ASSERT_TRUE(condition());
}

TEST(WorkPool, RunsJobsOnItsWorkersAndReturnsTheirResults) {
    WorkPool pool("test", {2, 8});
    const auto caller = std::this_thread::get_id();
    std::thread::id ran_on;
    EXPECT_TRUE(pool.run([&]() -> Result<void> {
        ran_on = std::this_thread::get_id();
        return {};
    }));
    EXPECT_NE(ran_on, caller);
    auto failed = pool.run([]() -> Result<void> { return make_error(ErrorCode::INVALID_ARGUMENT, "bad", "x"); });
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().param, "x");
    auto thrown = pool.run([]() -> Result<void> { throw std::runtime_error("boom"); });
    ASSERT_FALSE(thrown);
    EXPECT_EQ(thrown.error().code, ErrorCode::INTERNAL);
    const WorkStats stats = pool.stats();
    EXPECT_EQ(stats.completed, 1U);
    EXPECT_EQ(stats.failed, 2U);
    EXPECT_EQ(stats.workers, 2U);
}

TEST(WorkPool, BoundedWaitingAnswersOverloaded) {
    WorkPool pool("the voices", {1, 1});
    Gate gate;
    auto running = std::async(std::launch::async, [&] { return pool.run(gate.job()); });
    wait_for([&] { return gate.entered.load(); });
    auto queued = std::async(std::launch::async, [&] { return pool.run([]() -> Result<void> { return {}; }); });
    wait_for([&] { return pool.stats().waiting == 1; });
    auto refused = pool.run([]() -> Result<void> { return {}; });
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::OVERLOADED);
    EXPECT_NE(refused.error().message.find("the voices"), std::string::npos);
    gate.open.set_value();
    EXPECT_TRUE(running.get());
    EXPECT_TRUE(queued.get());
}

TEST(WorkPool, CallerThatGivesUpWhileWaitingIsDroppedUnrun) {
    WorkPool pool("test", {1, 4});
    Gate gate;
    auto running = std::async(std::launch::async, [&] { return pool.run(gate.job()); });
    wait_for([&] { return gate.entered.load(); });
    std::atomic<bool> stop{false};
    std::atomic<bool> ran{false};
    auto waiting = std::async(std::launch::async, [&] {
        return pool.run(
            [&]() -> Result<void> {
                ran = true;
                return {};
            },
            &stop);
    });
    wait_for([&] { return pool.stats().waiting == 1; });
    stop = true;
    auto outcome = waiting.get();
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, ErrorCode::CANCELLED);
    gate.open.set_value();
    EXPECT_TRUE(running.get());
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(pool.stats().cancelled, 1U);
}

TEST(WorkPool, StopFailsQueuedJobsAndRefusesNewOnes) {
    WorkPool pool("test", {1, 4});
    Gate gate;
    auto running = std::async(std::launch::async, [&] { return pool.run(gate.job()); });
    wait_for([&] { return gate.entered.load(); });
    auto queued = std::async(std::launch::async, [&] { return pool.run([]() -> Result<void> { return {}; }); });
    wait_for([&] { return pool.stats().waiting == 1; });
    auto stopping = std::async(std::launch::async, [&] { pool.stop(); });
    auto dropped = queued.get();
    ASSERT_FALSE(dropped);
    EXPECT_EQ(dropped.error().code, ErrorCode::MODEL_NOT_READY);
    gate.open.set_value();
    EXPECT_TRUE(running.get());  // a running job finishes
    stopping.get();
    pool.stop();  // idempotent
    auto late = pool.run([]() -> Result<void> { return {}; });
    ASSERT_FALSE(late);
    EXPECT_EQ(late.error().code, ErrorCode::MODEL_NOT_READY);
}

}  // namespace
}  // namespace hearth::sched

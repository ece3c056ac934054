// The embedding batcher over a scripted engine: outputs in order, coalescing of concurrent jobs under the
// token budget and window, jobs spanning batches, the cache, refused inputs, backpressure, failures,
// cancellation and shutdown.

#include "sched/embedding_scheduler.h"

#include <gtest/gtest.h>

#include <future>

#include "fakes/fake_embedding_engine.h"

namespace hearth::sched {
namespace {

using hearth::testing::FakeEmbeddingEngine;
using namespace std::chrono_literals;
using Inputs = std::vector<std::vector<int32_t>>;

struct Submitted {
    Result<void> accepted;
    std::shared_ptr<core::EmbeddingChannel> done;
};

Submitted submit(EmbeddingScheduler& s, Inputs inputs, CancelToken cancel = {}) {
    core::EmbeddingJob job;
    job.inputs = std::move(inputs);
    job.cancel = cancel;
    job.done = std::make_shared<core::EmbeddingChannel>(1);
    auto done = job.done;
    return {s.submit(std::move(job)), done};
}

core::EmbeddingOutcome wait(const Submitted& submitted) {
    std::optional<core::EmbeddingOutcome> outcome;
    if (submitted.done->pop(outcome, 5s) != PopStatus::OK) {
        return make_error(ErrorCode::TIMEOUT, "no outcome within 5 s");
    }
    return std::move(*outcome);
}

core::EmbeddingOutcome run(EmbeddingScheduler& s, Inputs inputs) {
    Submitted submitted = submit(s, std::move(inputs));
    EXPECT_TRUE(submitted.accepted.has_value());
    return wait(submitted);
}

EmbeddingSchedulerConfig config(std::chrono::microseconds window = 0us, int32_t tokens = 64) {
    EmbeddingSchedulerConfig c;
    c.batch_window = window;
    c.max_batch_tokens = tokens;
    c.cache_scope = "m";
    return c;
}

TEST(EmbeddingScheduler, AnswersEveryInputInOrder) {
    FakeEmbeddingEngine engine(64, 8, 16);
    EmbeddingScheduler s(engine, config(), nullptr);
    const Inputs inputs = {{1, 2, 3}, {7}, {4, 5}};
    auto out = run(s, inputs);
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->vectors.size(), 3u);
    for (size_t i = 0; i < inputs.size(); ++i) {
        EXPECT_EQ(out->vectors[i], FakeEmbeddingEngine::expected(inputs[i]));
    }
    EXPECT_EQ(engine.batches().size(), 1u);
    EXPECT_EQ(s.stats().inputs, 3u);
}

TEST(EmbeddingScheduler, CoalescesConcurrentJobsIntoOneBatch) {
    FakeEmbeddingEngine engine(64, 32, 16);
    EmbeddingScheduler s(engine, config(), nullptr);
    engine.hold();  // the first job's pass blocks while the others queue up behind it
    std::vector<Submitted> jobs;
    jobs.push_back(submit(s, {{1}}));
    while (s.stats().queued > 0) {
        std::this_thread::sleep_for(1ms);
    }
    for (int32_t i = 0; i < 8; ++i) {
        jobs.push_back(submit(s, {{i + 10, i + 11}}));
    }
    engine.release();
    for (size_t i = 0; i < jobs.size(); ++i) {
        auto out = wait(jobs[i]);
        ASSERT_TRUE(out) << out.error().message;
        const std::vector<int32_t> input =
            i == 0 ? std::vector<int32_t>{1}
                   : std::vector<int32_t>{static_cast<int32_t>(i) + 9, static_cast<int32_t>(i) + 10};
        EXPECT_EQ(out->vectors.at(0), FakeEmbeddingEngine::expected(input));
    }
    // The first job ran alone (or with a few); the eight queued behind it share one pass, never one each.
    EXPECT_LE(engine.batches().size(), 2u);
}

TEST(EmbeddingScheduler, WindowGathersJobsArrivingSoonAfter) {
    FakeEmbeddingEngine engine(64, 32, 16);
    EmbeddingScheduler s(engine, config(200ms), nullptr);
    std::vector<Submitted> jobs;
    for (int32_t i = 0; i < 4; ++i) {
        jobs.push_back(submit(s, {{i + 1}}));
        std::this_thread::sleep_for(5ms);
    }
    for (const Submitted& job : jobs) {
        ASSERT_TRUE(wait(job));
    }
    // The first job of a burst from idle runs at once (a lone client never waits); the ones arriving within
    // the window after it are gathered into one pass.
    ASSERT_EQ(engine.batches().size(), 2u);
    EXPECT_EQ(engine.batches()[0].inputs, 1);
    EXPECT_EQ(engine.batches()[1].inputs, 3);
}

TEST(EmbeddingScheduler, InputLongerThanThePassBudgetRunsAlone) {
    FakeEmbeddingEngine engine(64, 32, 64);
    EmbeddingScheduler s(engine, config(0us, 8), nullptr);  // passes of 8 tokens; the engine takes 64
    Inputs inputs = {std::vector<int32_t>(20, 1), {2, 3}, {4, 5, 6}};
    auto out = run(s, inputs);
    ASSERT_TRUE(out) << out.error().message;
    ASSERT_EQ(out->vectors.size(), 3u);
    const auto batches = engine.batches();
    ASSERT_EQ(batches.size(), 2u);
    EXPECT_EQ(batches[0].inputs, 1);  // the long one alone
    EXPECT_EQ(batches[0].tokens, 20);
    EXPECT_EQ(batches[1].inputs, 2);  // the short ones together, within 8 tokens
}

TEST(EmbeddingScheduler, LoneClientNeverWaitsForTheWindow) {
    FakeEmbeddingEngine engine(64, 32, 16);
    EmbeddingScheduler s(engine, config(300ms), nullptr);
    for (int32_t i = 0; i < 3; ++i) {
        std::this_thread::sleep_for(i == 0 ? 0ms : 350ms);  // one request at a time, further apart than the window
        const auto start = std::chrono::steady_clock::now();
        ASSERT_TRUE(run(s, {{i + 1}}));
        EXPECT_LT(std::chrono::steady_clock::now() - start, 150ms) << i;
    }
}

TEST(EmbeddingScheduler, FullBatchDoesNotWaitForTheWindow) {
    FakeEmbeddingEngine engine(8, 32, 8);
    EmbeddingScheduler s(engine, config(10s, 8), nullptr);
    const auto start = std::chrono::steady_clock::now();
    auto out = run(s, {{1, 2, 3, 4, 5, 6, 7, 8}});
    ASSERT_TRUE(out);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(EmbeddingScheduler, LargeJobSpansSeveralBatchesUnderTheBudget) {
    FakeEmbeddingEngine engine(10, 3, 10);
    EmbeddingScheduler s(engine, config(0us, 10), nullptr);
    Inputs inputs;
    for (int32_t i = 0; i < 7; ++i) {
        inputs.push_back({i, i + 1, i + 2, i + 3});  // 4 tokens each: two fit in 10
    }
    auto out = run(s, inputs);
    ASSERT_TRUE(out) << out.error().message;
    for (size_t i = 0; i < inputs.size(); ++i) {
        EXPECT_EQ(out->vectors[i], FakeEmbeddingEngine::expected(inputs[i]));
    }
    const auto batches = engine.batches();
    EXPECT_EQ(batches.size(), 4u);
    for (const auto& batch : batches) {
        EXPECT_LE(batch.tokens, 10);
        EXPECT_LE(batch.inputs, 3);
    }
}

TEST(EmbeddingScheduler, CacheAnswersRepeatedInputsWithoutAPass) {
    FakeEmbeddingEngine engine(64, 8, 16);
    auto cache = std::make_shared<VectorCache>(16);
    EmbeddingScheduler s(engine, config(), cache);
    ASSERT_TRUE(run(s, {{1, 2}, {3}}));
    auto again = run(s, {{3}, {1, 2}, {9}});
    ASSERT_TRUE(again);
    EXPECT_EQ(again->cached_inputs, 2);
    EXPECT_EQ(again->vectors[0], FakeEmbeddingEngine::expected({3}));
    EXPECT_EQ(again->vectors[1], FakeEmbeddingEngine::expected({1, 2}));
    EXPECT_EQ(again->vectors[2], FakeEmbeddingEngine::expected({9}));
    EXPECT_EQ(engine.batches().back().inputs, 1);  // only {9} ran
    auto all_cached = run(s, {{9}});
    ASSERT_TRUE(all_cached);
    EXPECT_EQ(all_cached->cached_inputs, 1);
    const EmbeddingStats stats = s.stats();
    EXPECT_EQ(stats.cache_hits, 3u);
    EXPECT_EQ(stats.cache_misses, 3u);
    EXPECT_EQ(stats.cache.entries, 3u);
    EXPECT_EQ(engine.batches().size(), 2u);
}

TEST(EmbeddingScheduler, RefusesInputsTheEngineCannotTake) {
    FakeEmbeddingEngine engine(64, 8, 4);
    EmbeddingScheduler s(engine, config(), nullptr);
    EXPECT_EQ(submit(s, {}).accepted.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(submit(s, {{}}).accepted.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(submit(s, {{1, 2, 3, 4, 5}}).accepted.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(submit(s, {{1}, {1000}}).accepted.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(submit(s, {{-1}}).accepted.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_TRUE(engine.batches().empty());
}

TEST(EmbeddingScheduler, FullQueueIsOverloaded) {
    FakeEmbeddingEngine engine(64, 8, 16);
    EmbeddingSchedulerConfig c = config();
    c.queue_capacity = 2;
    EmbeddingScheduler s(engine, c, nullptr);
    engine.hold();
    std::vector<Submitted> jobs;
    jobs.push_back(submit(s, {{1}}));
    while (s.stats().queued > 0) {  // the scheduler took it and is blocked in embed()
        std::this_thread::sleep_for(1ms);
    }
    std::this_thread::sleep_for(20ms);
    jobs.push_back(submit(s, {{2}}));
    jobs.push_back(submit(s, {{3}}));
    const Submitted refused = submit(s, {{4}});
    ASSERT_FALSE(refused.accepted);
    EXPECT_EQ(refused.accepted.error().code, ErrorCode::OVERLOADED);
    engine.release();
    for (const Submitted& job : jobs) {
        EXPECT_TRUE(wait(job));
    }
}

TEST(EmbeddingScheduler, FailedPassFailsItsJobsAndTheNextOnesRun) {
    FakeEmbeddingEngine engine(64, 8, 16);
    EmbeddingScheduler s(engine, config(), nullptr);
    engine.fail_next();
    auto failed = run(s, {{1}});
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::INTERNAL);
    EXPECT_TRUE(run(s, {{1}}));
    EXPECT_EQ(s.stats().failed, 1u);
}

TEST(EmbeddingScheduler, CancelledJobIsDropped) {
    FakeEmbeddingEngine engine(4, 8, 4);
    EmbeddingScheduler s(engine, config(0us, 4), nullptr);
    engine.hold();
    Submitted first = submit(s, {{1, 2, 3, 4}});
    CancelToken cancel;
    Submitted second = submit(s, {{5, 6, 7, 8}, {9}}, cancel);
    cancel.cancel();
    engine.release();
    EXPECT_TRUE(wait(first));
    auto dropped = wait(second);
    ASSERT_FALSE(dropped);
    EXPECT_EQ(dropped.error().code, ErrorCode::CANCELLED);
}

TEST(EmbeddingScheduler, StopEndsQueuedJobs) {
    FakeEmbeddingEngine engine(64, 8, 16);
    auto s = std::make_unique<EmbeddingScheduler>(engine, config(), nullptr);
    engine.set_delay(50ms);
    std::vector<Submitted> jobs;
    for (int32_t i = 0; i < 4; ++i) {
        jobs.push_back(submit(*s, {{i + 1}}));
    }
    s->stop();
    for (const Submitted& job : jobs) {
        auto out = wait(job);  // answered or ended, never left waiting
        EXPECT_TRUE(out || out.error().code == ErrorCode::MODEL_NOT_READY);
    }
    EXPECT_EQ(submit(*s, {{1}}).accepted.error().code, ErrorCode::MODEL_NOT_READY);
}

}  // namespace
}  // namespace hearth::sched

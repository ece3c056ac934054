// The speech session pool over a scripted engine: sessions run concurrently up to the limit, each request on
// a session of its own; extra requests wait (bounded; beyond, OVERLOADED), a stop flag cancels a waiting or running
// request, stop() ends all.

#include "sched/speech_pool.h"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>

namespace hearth::sched {
namespace {

using namespace std::chrono_literals;

// Transcribes by sleeping `delay` (or until stopped); counts sessions and the most running at once.
class FakeSpeechEngine final : public engine::SpeechEngine {
public:
    explicit FakeSpeechEngine(std::chrono::milliseconds delay) : delay_(delay) {}
    Result<std::unique_ptr<engine::SpeechSession>> make_session() override {
        ++made;
        return std::unique_ptr<engine::SpeechSession>(std::make_unique<Session>(*this));
    }
    std::atomic<int> made{0};
    std::atomic<int> last_threads{-1};
    std::atomic<int> running{0};
    std::atomic<int> peak{0};

private:
    class Session final : public engine::SpeechSession {
    public:
        explicit Session(FakeSpeechEngine& engine) : engine_(engine) {}
        Result<core::Transcript> transcribe(const std::vector<float>& samples,
                                            const core::TranscriptionOptions& options,
                                            const std::atomic<bool>* stop) override {
            engine_.last_threads = options.n_threads;
            const int now = ++engine_.running;
            int peak = engine_.peak.load();
            while (now > peak && !engine_.peak.compare_exchange_weak(peak, now)) {
            }
            const auto end = std::chrono::steady_clock::now() + engine_.delay_;
            while (std::chrono::steady_clock::now() < end) {
                if (stop != nullptr && stop->load()) {
                    --engine_.running;
                    return make_error(ErrorCode::CANCELLED, "stopped");
                }
                std::this_thread::sleep_for(1ms);
            }
            --engine_.running;
            core::Transcript t;
            t.duration = static_cast<double>(samples.size()) / 16000.0;
            return t;
        }

    private:
        FakeSpeechEngine& engine_;
    };
    std::chrono::milliseconds delay_;
};

const std::vector<float> AUDIO(16000, 0.0f);

TEST(SpeechPool, RunsUpToSessionsAtOnceEachOnAFreshSession) {
    FakeSpeechEngine engine(100ms);
    SpeechPool pool(engine, {2, 8, 0});
    std::vector<std::future<Result<core::Transcript>>> runs;
    for (int i = 0; i < 5; ++i) {
        runs.push_back(std::async(std::launch::async, [&] { return pool.run(AUDIO, {}); }));
    }
    for (auto& run : runs) {
        auto t = run.get();
        ASSERT_TRUE(t) << t.error().message;
        EXPECT_DOUBLE_EQ(t->duration, 1.0);
    }
    EXPECT_EQ(engine.peak.load(), 2);
    EXPECT_EQ(engine.made.load(), 5);  // a fresh decoding state per request
    EXPECT_EQ(pool.stats().completed, 5u);
    EXPECT_EQ(pool.stats().busy, 0u);
}

TEST(SpeechPool, ConcurrentRequestsSplitTheThreads) {
    FakeSpeechEngine engine(200ms);
    SpeechPool pool(engine, {4, 8, 4});
    ASSERT_TRUE(pool.run(AUDIO, {}));
    EXPECT_EQ(engine.last_threads.load(), 4);  // alone: every thread
    auto first = std::async(std::launch::async, [&] { return pool.run(AUDIO, {}); });
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(pool.run(AUDIO, {}));
    EXPECT_EQ(engine.last_threads.load(), 2);  // the second of two running: half
    EXPECT_TRUE(first.get());
}

TEST(SpeechPool, TooManyWaitingIsOverloaded) {
    FakeSpeechEngine engine(300ms);
    SpeechPool pool(engine, {1, 1, 0});
    auto running = std::async(std::launch::async, [&] { return pool.run(AUDIO, {}); });
    std::this_thread::sleep_for(50ms);
    auto waiting = std::async(std::launch::async, [&] { return pool.run(AUDIO, {}); });
    std::this_thread::sleep_for(50ms);
    auto refused = pool.run(AUDIO, {});
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().code, ErrorCode::OVERLOADED);
    EXPECT_TRUE(running.get());
    EXPECT_TRUE(waiting.get());
}

TEST(SpeechPool, StopFlagCancelsWaitingAndRunning) {
    FakeSpeechEngine engine(5000ms);
    SpeechPool pool(engine, {1, 4, 0});
    std::atomic<bool> stop_running{false};
    std::atomic<bool> stop_waiting{false};
    auto running = std::async(std::launch::async, [&] { return pool.run(AUDIO, {}, &stop_running); });
    std::this_thread::sleep_for(50ms);
    auto waiting = std::async(std::launch::async, [&] { return pool.run(AUDIO, {}, &stop_waiting); });
    std::this_thread::sleep_for(50ms);
    const auto start = std::chrono::steady_clock::now();
    stop_waiting = true;
    EXPECT_EQ(waiting.get().error().code, ErrorCode::CANCELLED);
    stop_running = true;
    EXPECT_EQ(running.get().error().code, ErrorCode::CANCELLED);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1000ms);
    EXPECT_EQ(pool.stats().cancelled, 2u);
}

TEST(SpeechPool, StopEndsRunningAndRefusesNew) {
    FakeSpeechEngine engine(5000ms);
    SpeechPool pool(engine, {1, 4, 0});
    auto running = std::async(std::launch::async, [&] { return pool.run(AUDIO, {}); });
    std::this_thread::sleep_for(50ms);
    pool.stop();
    // Its client is still there: it hears that the model went (503), not that it cancelled (499).
    const auto ended = running.get();
    ASSERT_FALSE(ended);
    EXPECT_EQ(ended.error().code, ErrorCode::MODEL_NOT_READY);
    EXPECT_EQ(pool.stats().cancelled, 0u);
    EXPECT_EQ(pool.run(AUDIO, {}).error().code, ErrorCode::MODEL_NOT_READY);
}

}  // namespace
}  // namespace hearth::sched

#pragma once
// Concurrency for one loaded speech model: up to `sessions` transcriptions at once, each on a session
// (decoding state over the shared weights) of its own, made for the request and dropped after it, on the
// request's (handler) thread; no lock around the weights. A fresh state per request makes a transcription
// depend on its input only, as whisper-cli's does: whisper.cpp's temperature fallback samples from the
// state's random generator, which a reused state would carry over from earlier requests. More requests
// wait, up to `max_waiting`, beyond which the pool answers OVERLOADED (429).
// Thread contract: every method from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "engine/speech_engine.h"

namespace hearth::sched {

struct SpeechPoolConfig {
    size_t sessions = 4;      // transcriptions at once
    size_t max_waiting = 32;  // requests waiting for a session; beyond, OVERLOADED
    // CPU threads all running transcriptions share: each starts with threads / (running ones), at least 1,
    // so that concurrent requests split the cores instead of oversubscribing them. 0: the engine decides.
    int32_t threads = 0;
};

struct SpeechStats {
    size_t sessions = 0;  // made so far
    size_t busy = 0;
    size_t waiting = 0;
    uint64_t completed = 0;
    uint64_t failed = 0;
    uint64_t cancelled = 0;
};

class SpeechPool {
public:
    // Borrows the engine, which must outlive the pool.
    SpeechPool(engine::SpeechEngine& engine, SpeechPoolConfig config);
    ~SpeechPool();
    SpeechPool(const SpeechPool&) = delete;
    SpeechPool& operator=(const SpeechPool&) = delete;

    // Waits for a session (while `stop` is unset), transcribes, returns the session. Errors: OVERLOADED,
    // MODEL_NOT_READY (the pool stopped), CANCELLED, and the engine's.
    Result<core::Transcript> run(const std::vector<float>& samples, const core::TranscriptionOptions& options,
                                 const std::atomic<bool>* stop = nullptr);
    SpeechStats stats() const;
    // Refuses new requests and cancels running ones; returns once every session is back. Idempotent.
    void stop();

private:
    Result<std::unique_ptr<engine::SpeechSession>> checkout(const std::atomic<bool>* stop);
    void checkin();

    engine::SpeechEngine& engine_;
    const SpeechPoolConfig config_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    // guarded by mutex_
    size_t made_ = 0;
    size_t busy_ = 0;
    size_t waiting_ = 0;
    bool stopping_ = false;
    SpeechStats totals_;
    std::atomic<bool> cancel_all_{false};  // read by running transcriptions through their stop flag
};

}  // namespace hearth::sched

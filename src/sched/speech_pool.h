#pragma once
// Concurrency for one loaded speech model: `sessions` worker threads, each transcribing one request at a time
// on a session (decoding state over the shared weights) made for that request and dropped after it; no lock
// around the weights. Requests queue (bounded by `max_waiting`; beyond, OVERLOADED) and their callers wait.
// A fresh state per request makes a transcription depend on its input only, as whisper-cli's does: whisper.cpp's
// temperature fallback samples from the state's random generator, which a reused state would carry over.
// Dedicated workers, not the callers' threads, and the most recently busy idle worker takes the next job: ggml's
// OpenMP keeps one thread team per calling thread, and switching teams between requests measured 1.4 s for what
// one warm team does in 0.8 s (whisper-tiny shape, 11 s of audio, 2 cores).
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
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
    // Borrows the engine, which must outlive the pool. Starts the workers.
    SpeechPool(engine::SpeechEngine& engine, SpeechPoolConfig config);
    ~SpeechPool();
    SpeechPool(const SpeechPool&) = delete;
    SpeechPool& operator=(const SpeechPool&) = delete;

    // Queues the request and waits for its transcript. `stop` (may be null) cancels it, waiting or running.
    // Errors: OVERLOADED, MODEL_NOT_READY (the pool stopped), CANCELLED, and the engine's.
    Result<core::Transcript> run(const std::vector<float>& samples, const core::TranscriptionOptions& options,
                                 const std::atomic<bool>* stop = nullptr);
    SpeechStats stats() const;
    // Refuses new requests, cancels running ones, fails queued ones and joins the workers. Idempotent.
    void stop();

private:
    struct Job;
    void work(size_t index);
    Result<core::Transcript> transcribe(Job& job);
    void count(const Result<core::Transcript>& outcome);

    engine::SpeechEngine& engine_;
    const SpeechPoolConfig config_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    // guarded by mutex_
    std::deque<std::shared_ptr<Job>> queue_;
    std::vector<std::shared_ptr<Job>> handed_;  // per worker: the job given to it, if any
    std::vector<size_t> idle_;                  // idle workers, the most recently busy last
    bool closed_ = false;
    SpeechStats totals_;  // busy and sessions included
    std::atomic<bool> stopping_{false};
    std::vector<std::thread> workers_;  // last: started once every member above exists
};

}  // namespace hearth::sched

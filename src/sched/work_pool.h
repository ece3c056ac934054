#pragma once
// A bounded pool of worker threads for engines that have no scheduler of their own (the flite voices, a
// speech vocoder): jobs queue (at most max_waiting; beyond, OVERLOADED) and each caller waits for its own.
// Dedicated workers rather than the callers' threads, for the reason SpeechPool gives (ggml's thread teams),
// and so that one slow engine never holds more threads than configured.
// Thread-safe: run(), stats() and stop() from any thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "util/result.h"

namespace hearth::sched {

struct WorkPoolConfig {
    size_t workers = 1;
    size_t max_waiting = 32;  // jobs waiting for a worker; beyond, OVERLOADED
};

struct WorkStats {
    size_t workers = 0;
    size_t busy = 0;
    size_t waiting = 0;
    uint64_t completed = 0;
    uint64_t failed = 0;
    uint64_t cancelled = 0;
};

class WorkPool {
public:
    // `name` goes into error messages ("the flite voices are busy").
    WorkPool(std::string name, WorkPoolConfig config);
    ~WorkPool();
    WorkPool(const WorkPool&) = delete;
    WorkPool& operator=(const WorkPool&) = delete;

    using Job = std::function<Result<void>()>;
    // Queues `job` and waits until a worker has run it; its result is returned. `stop` (may be null) drops
    // the job with CANCELLED while it still waits; a running job must watch the flag itself.
    // Errors: OVERLOADED, MODEL_NOT_READY (the pool stopped), CANCELLED, and the job's.
    Result<void> run(Job job, const std::atomic<bool>* stop = nullptr);
    WorkStats stats() const;
    // Refuses new jobs, fails queued ones and joins the workers once running jobs end. Idempotent.
    void stop();

private:
    struct Task;
    void work();

    const std::string name_;
    const WorkPoolConfig config_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;  // workers: a task or the stop
    // guarded by mutex_
    std::deque<std::shared_ptr<Task>> queue_;
    bool closed_ = false;
    WorkStats totals_;                  // busy and workers included
    std::mutex join_mutex_;             // one stop() joins the workers at a time
    std::vector<std::thread> workers_;  // last: started once every member above exists
};

}  // namespace hearth::sched

#pragma once
// Runs one step's per-sequence sampling on several threads. Each sequence's sampler chain is its own
// (state, random generator), so chains of different sequences can run at once; what they read is the
// logits of a decode that has finished. With 64 sequences of a 128k vocabulary a temperature draw costs
// about 1.3 ms each on this project's CPUs: 83 of a 117 ms step on one thread, while the cores the decode
// used sit idle until the next one.
// Thread contract: run() is called from one thread at a time (the engine's); it returns once every item is
// done. The workers wait on a condition variable between runs: idle, they use no CPU.

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace hearth::engine {

class SamplingPool {
public:
    // n_workers helper threads; the calling thread works too. 0: run() does everything itself.
    explicit SamplingPool(int n_workers);
    ~SamplingPool();
    SamplingPool(const SamplingPool&) = delete;
    SamplingPool& operator=(const SamplingPool&) = delete;

    // fn(i) for every i in [0, n), in any order and on any of the threads. fn must not throw.
    void run(size_t n, const std::function<void(size_t)>& fn);
    // The threads that run items: the workers and the caller.
    int threads() const { return static_cast<int>(workers_.size()) + 1; }

private:
    void work();
    void drain();

    std::mutex mutex_;
    std::condition_variable start_;
    std::condition_variable done_;
    const std::function<void(size_t)>* fn_ = nullptr;  // guarded by mutex_: the run in progress
    size_t n_ = 0;                                     // guarded by mutex_
    size_t next_ = 0;                                  // guarded by mutex_: the next item to take
    size_t finished_ = 0;                              // guarded by mutex_
    size_t generation_ = 0;                            // guarded by mutex_: counts runs, wakes the workers
    bool stopping_ = false;                            // guarded by mutex_
    std::vector<std::thread> workers_;                 // last: started once the members above are ready
};

}  // namespace hearth::engine

#include "engine/sampling_pool.h"

namespace hearth::engine {

SamplingPool::SamplingPool(int n_workers) {
    for (int i = 0; i < n_workers; ++i) {
        workers_.emplace_back([this] { work(); });
    }
}

SamplingPool::~SamplingPool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    start_.notify_all();
    for (std::thread& t : workers_) {
        t.join();
    }
}

// Takes items one at a time until none is left. Items are whole sequences (a millisecond each), so a lock
// per item costs nothing that shows.
void SamplingPool::drain() {
    std::unique_lock lock(mutex_);
    while (fn_ != nullptr && next_ < n_) {
        const size_t item = next_++;
        const auto* fn = fn_;
        lock.unlock();
        (*fn)(item);
        lock.lock();
        if (++finished_ == n_) {
            done_.notify_all();
        }
    }
}

void SamplingPool::work() {
    size_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_) {
                return;
            }
            seen = generation_;
        }
        drain();
    }
}

void SamplingPool::run(size_t n, const std::function<void(size_t)>& fn) {
    if (n == 0) {
        return;
    }
    {
        std::lock_guard lock(mutex_);
        fn_ = &fn;
        n_ = n;
        next_ = 0;
        finished_ = 0;
        ++generation_;
    }
    if (!workers_.empty() && n > 1) {
        start_.notify_all();
    }
    drain();
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return finished_ == n_; });
    fn_ = nullptr;  // a worker waking late finds nothing to take
}

}  // namespace hearth::engine

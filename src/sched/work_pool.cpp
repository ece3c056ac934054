#include "sched/work_pool.h"

#include <algorithm>
#include <chrono>

namespace hearth::sched {

struct WorkPool::Task {
    Job job;
    const std::atomic<bool>* stop = nullptr;
    bool done = false;  // guarded by the pool's mutex
    Result<void> outcome = make_error(ErrorCode::INTERNAL, "not run");
    std::condition_variable finished;
};

WorkPool::WorkPool(std::string name, WorkPoolConfig config) : name_(std::move(name)), config_(config) {
    const size_t n = config_.workers == 0 ? 1 : config_.workers;
    totals_.workers = n;
    workers_.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        workers_.emplace_back([this] { work(); });
    }
}

WorkPool::~WorkPool() {
    stop();
}

Result<void> WorkPool::run(Job job, const std::atomic<bool>* stop) {
    auto task = std::make_shared<Task>();
    task->job = std::move(job);
    task->stop = stop;
    std::unique_lock lock(mutex_);
    if (closed_) {
        return make_error(ErrorCode::MODEL_NOT_READY, name_ + " stopped");
    }
    if (queue_.size() >= config_.max_waiting) {
        return make_error(ErrorCode::OVERLOADED, name_ + " are busy: " + std::to_string(queue_.size()) +
                                                     " requests are waiting; try again shortly");
    }
    queue_.push_back(task);
    wake_.notify_one();
    // Wakes now and then to drop the task when its caller gave up while it still waits.
    while (!task->finished.wait_for(lock, std::chrono::milliseconds(50), [&] { return task->done; })) {
        if (stop != nullptr && stop->load()) {
            const auto it = std::find(queue_.begin(), queue_.end(), task);
            if (it != queue_.end()) {
                queue_.erase(it);
                ++totals_.cancelled;
                return make_error(ErrorCode::CANCELLED, "cancelled while waiting");
            }
        }
    }
    return std::move(task->outcome);
}

void WorkPool::work() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [this] { return closed_ || !queue_.empty(); });
        if (queue_.empty()) {
            return;  // closed and drained
        }
        std::shared_ptr<Task> task = std::move(queue_.front());
        queue_.pop_front();
        ++totals_.busy;
        lock.unlock();
        Result<void> outcome = make_error(ErrorCode::INTERNAL, "not run");
        try {
            outcome = task->job();
        } catch (const std::exception& e) {
            outcome = make_error(ErrorCode::INTERNAL, name_ + " failed: " + e.what());
        }
        lock.lock();
        --totals_.busy;
        if (outcome) {
            ++totals_.completed;
        } else if (outcome.error().code == ErrorCode::CANCELLED) {
            ++totals_.cancelled;
        } else {
            ++totals_.failed;
        }
        task->outcome = std::move(outcome);
        task->done = true;
        task->finished.notify_all();
    }
}

WorkStats WorkPool::stats() const {
    std::lock_guard lock(mutex_);
    WorkStats out = totals_;
    out.waiting = queue_.size();
    return out;
}

void WorkPool::stop() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        for (const auto& task : queue_) {
            task->outcome = make_error(ErrorCode::MODEL_NOT_READY, name_ + " stopped");
            task->done = true;
            task->finished.notify_all();
        }
        queue_.clear();
    }
    wake_.notify_all();
    std::lock_guard join_lock(join_mutex_);
    for (auto& worker : workers_) {
        if (worker.joinable()) {
            worker.join();
        }
    }
}

}  // namespace hearth::sched

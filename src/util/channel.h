#pragma once
// A bounded multi-producer, multi-consumer queue with close(): the hand-off between threads (handler ->
// scheduler, scheduler -> handler). push() never blocks (a full channel refuses, so callers can answer 429);
// pop() blocks up to a timeout. After close(), pushes fail and pops drain what is left, then report CLOSED.
// Thread-safe; no lock is held while a caller's value is moved in or out of the queue beyond the move itself.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace hearth {

enum class PushResult { OK, FULL, CLOSED };
enum class PopStatus { OK, TIMEOUT, CLOSED };

template <typename T>
class Channel {
public:
    explicit Channel(size_t capacity) : capacity_(capacity) {}

    PushResult push(T value) {
        {
            std::lock_guard lock(mutex_);
            if (closed_) {
                return PushResult::CLOSED;
            }
            if (items_.size() >= capacity_) {
                return PushResult::FULL;
            }
            items_.push_back(std::move(value));
        }
        ready_.notify_one();
        return PushResult::OK;
    }

    // Waits up to `timeout` for an item; `out` is set when the status is OK.
    template <typename Rep, typename Period>
    PopStatus pop(std::optional<T>& out, std::chrono::duration<Rep, Period> timeout) {
        std::unique_lock lock(mutex_);
        if (!ready_.wait_for(lock, timeout, [this] { return !items_.empty() || closed_; })) {
            return PopStatus::TIMEOUT;
        }
        if (items_.empty()) {
            return PopStatus::CLOSED;
        }
        out.emplace(std::move(items_.front()));
        items_.pop_front();
        return PopStatus::OK;
    }

    // Takes an item if one is there, without waiting.
    std::optional<T> try_pop() {
        std::lock_guard lock(mutex_);
        if (items_.empty()) {
            return std::nullopt;
        }
        std::optional<T> out(std::move(items_.front()));
        items_.pop_front();
        return out;
    }

    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

    size_t size() const {
        std::lock_guard lock(mutex_);
        return items_.size();
    }
    size_t capacity() const { return capacity_; }

private:
    const size_t capacity_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    // guarded by mutex_
    std::deque<T> items_;
    bool closed_ = false;
};

}  // namespace hearth

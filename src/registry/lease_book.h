#pragma once
// Counts the leases (requests) holding one loaded model and when the last one ended, for keep-alive and LRU.
// Lease deleters update it from request threads without the registry's lock (so that dropping a lease
// anywhere, even inside a registry call, can never deadlock). Thread-safe.

#include <cstdint>
#include <memory>
#include <mutex>

namespace hearth::registry {

class LeaseBook {
public:
    struct Usage {
        int leases = 0;
        int64_t last_used_ms = 0;  // steady clock: the last acquire or release
    };

    void acquire(int64_t now_ms) {
        std::lock_guard lock(mutex_);
        ++usage_.leases;
        usage_.last_used_ms = now_ms;
    }
    void release(int64_t now_ms) {
        std::lock_guard lock(mutex_);
        --usage_.leases;
        usage_.last_used_ms = now_ms;
    }
    Usage read() const {
        std::lock_guard lock(mutex_);
        return usage_;
    }

    // A lease on `model`: shares its ownership and is counted until dropped.
    template <typename T>
    static std::shared_ptr<T> lease(const std::shared_ptr<T>& model, const std::shared_ptr<LeaseBook>& book,
                                    int64_t (*clock_ms)()) {
        book->acquire(clock_ms());
        return std::shared_ptr<T>(model.get(), [owner = model, book, clock_ms](T* /*shared*/) mutable {
            owner.reset();
            book->release(clock_ms());
        });
    }

private:
    mutable std::mutex mutex_;
    Usage usage_;
};

}  // namespace hearth::registry

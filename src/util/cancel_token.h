#pragma once
// A cancellation flag shared between a request's handler (which sets it when the client goes away) and the
// worker doing the request's compute (which checks it at every step). Copies share one flag. Thread-safe.

#include <atomic>
#include <memory>

namespace hearth {

class CancelToken {
public:
    CancelToken() : flag_(std::make_shared<std::atomic<bool>>(false)) {}

    void cancel() const { flag_->store(true, std::memory_order_relaxed); }
    bool is_cancelled() const { return flag_->load(std::memory_order_relaxed); }

private:
    std::shared_ptr<std::atomic<bool>> flag_;
};

}  // namespace hearth

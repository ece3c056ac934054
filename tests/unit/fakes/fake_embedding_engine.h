#pragma once
// A scripted EmbeddingEngine: an input's output is {token count, sum of ids, first id, last id}, whatever else
// shares its batch. Records the size of every forward pass so tests can check how the scheduler batches. A
// forward pass can be slowed down, held until released, or made to fail. Only the scheduler thread calls
// embed(); tests read the records under the same mutex.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

#include "engine/embedding_engine.h"

namespace hearth::testing {

class FakeEmbeddingEngine final : public engine::EmbeddingEngine {
public:
    FakeEmbeddingEngine(int32_t n_batch, int32_t n_seq_max, int32_t n_ctx)
        : n_batch_(n_batch), n_seq_max_(n_seq_max), n_ctx_(n_ctx) {}

    int32_t n_batch() const override { return n_batch_; }
    int32_t n_seq_max() const override { return n_seq_max_; }
    int32_t n_ctx() const override { return n_ctx_; }
    int32_t n_out() const override { return 4; }
    int32_t n_vocab() const override { return 1000; }

    static std::vector<float> expected(const std::vector<int32_t>& tokens) {
        return {static_cast<float>(tokens.size()), static_cast<float>(std::accumulate(tokens.begin(), tokens.end(), 0)),
                static_cast<float>(tokens.front()), static_cast<float>(tokens.back())};
    }

    Result<std::vector<std::vector<float>>> embed(const std::vector<std::span<const int32_t>>& inputs) override {
        std::unique_lock lock(mutex_);
        released_.wait(lock, [this] { return !held_; });
        if (delay_.count() > 0) {
            lock.unlock();
            std::this_thread::sleep_for(delay_);
            lock.lock();
        }
        int32_t tokens = 0;
        for (const auto& input : inputs) {
            tokens += static_cast<int32_t>(input.size());
        }
        if (static_cast<int32_t>(inputs.size()) > n_seq_max_ || tokens > n_batch_) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "fake: batch over the limits");
        }
        batches_.push_back({static_cast<int32_t>(inputs.size()), tokens});
        if (fail_next_) {
            fail_next_ = false;
            return make_error(ErrorCode::INTERNAL, "fake: forward pass failed");
        }
        std::vector<std::vector<float>> out;
        for (const auto& input : inputs) {
            out.push_back(expected(std::vector<int32_t>(input.begin(), input.end())));
        }
        return out;
    }

    struct Batch {
        int32_t inputs;
        int32_t tokens;
    };
    std::vector<Batch> batches() const {
        std::lock_guard lock(mutex_);
        return batches_;
    }
    void set_delay(std::chrono::milliseconds delay) {
        std::lock_guard lock(mutex_);
        delay_ = delay;
    }
    void fail_next() {
        std::lock_guard lock(mutex_);
        fail_next_ = true;
    }
    // While held, a forward pass waits (the scheduler thread blocks inside embed()).
    void hold() {
        std::lock_guard lock(mutex_);
        held_ = true;
    }
    void release() {
        {
            std::lock_guard lock(mutex_);
            held_ = false;
        }
        released_.notify_all();
    }

private:
    const int32_t n_batch_;
    const int32_t n_seq_max_;
    const int32_t n_ctx_;
    mutable std::mutex mutex_;
    std::condition_variable released_;
    std::vector<Batch> batches_;
    std::chrono::milliseconds delay_{0};
    bool fail_next_ = false;
    bool held_ = false;
};

}  // namespace hearth::testing
